"""cli: the `tfgrade` command delegates to the library and keeps its documented exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tfgrade import catalog
from tfgrade.cli import EXIT_FAILED, EXIT_INPUT, EXIT_OK, EXIT_USAGE, main

from ._exercise_factory import write_exercise

TFGRADE = Path(sys.executable).parent / "tfgrade"

CHECKS = '''\
import pytest

@pytest.mark.points(2)
def check_adds_one(learner):
    assert learner["add_one"](1) == 2, "add_one(1) should be 2"
'''
CAUGHT = "# mistake: subtracts\ndef add_one(x):\n    return x - 1\n"
ESCAPES = "# mistake: special-cases the checked input\ndef add_one(x):\n    return 2\n"


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.update(extra)
    return env


@pytest.fixture
def course(tmp_path, monkeypatch):
    """TFGRADE_EXERCISES pointing at a tmp catalog; run from a clean working folder."""
    root = tmp_path / "course"
    write_exercise(root, "zq1-good", short_id="zq1", title="Good one", checks=CHECKS, mutants={"minus": CAUGHT},
                   toml_extra="order = 1\n")
    write_exercise(root, "zq2-leaky", short_id="zq2", title="Leaky one", checks=CHECKS,
                   mutants={"minus": CAUGHT, "cheat": ESCAPES}, toml_extra="order = 2\n")
    monkeypatch.setenv("TFGRADE_EXERCISES", str(root))
    monkeypatch.setenv("TFGRADE_PROBES", "none")        # what is tested is the command, not the probes
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return root


def test_exit_codes_are_distinct_and_documented():
    assert (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INPUT) == (0, 1, 2, 3)


def test_help_lists_commands_and_exit_codes():
    result = subprocess.run([str(TFGRADE), "--help"], capture_output=True, text=True, timeout=120, env=_env())
    assert result.returncode == 0
    for command in ("list", "show", "validate", "workbook", "grade"):
        assert command in result.stdout
    assert "Exit codes" in result.stdout
    for code in ("0", "1", "2", "3"):
        assert f"  {code}  " in result.stdout
    assert result.stderr == ""


def test_unknown_exercise_exits_3_with_suggestions_from_the_real_command(course):
    result = subprocess.run([str(TFGRADE), "show", "zq3"], capture_output=True, text=True, timeout=120,
                            env=_env(TFGRADE_EXERCISES=str(course)))
    assert result.returncode == 3
    assert "zq3" in result.stderr and "Did you mean" in result.stderr


@pytest.mark.parametrize("argv", [["show", "nope-at-all"], ["validate", "zq9"], ["workbook", "zz-none", "-o", "x.ipynb"]])
def test_unknown_exercise_returns_3(course, capsys, argv):
    assert main(argv) == EXIT_INPUT
    assert "No exercise called" in capsys.readouterr().err


def test_invalid_exercise_folder_returns_3(course, capsys):
    broken = write_exercise(course, "zq5-broken", short_id="zq5")
    (broken / "checks.py").unlink()
    assert main(["show", "zq5-broken"]) == EXIT_INPUT
    assert "missing checks.py" in capsys.readouterr().err


def test_usage_errors_exit_2(course, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == EXIT_USAGE
    with pytest.raises(SystemExit) as info:
        main(["validate", "--no-such-flag"])
    assert info.value.code == EXIT_USAGE
    empty = tmp_path / "no-notebooks"
    empty.mkdir()
    assert main(["grade", str(empty)]) == EXIT_USAGE


def test_list_and_show(course, capsys):
    assert main(["list"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "zq1-good" in out and "zq2-leaky" in out
    (course / "zq1-good" / "prompt.md").write_text("Write **add_one**.")
    assert main(["show", "zq1"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Good one" in out and "add_one" in out


def test_validate_returns_0_when_every_mutant_is_caught(course, tmp_path, capsys):
    report = tmp_path / "validate.json"
    assert main(["validate", "zq1", "--json", str(report)]) == EXIT_OK
    [entry] = json.loads(report.read_text())
    assert entry["exercise"] == "zq1-good" and entry["ok"] is True
    assert entry["reference"] == [2, 2]
    assert entry["mutants"] == {"minus": {"caught": True, "lost": ["adds_one"]}}


def test_validate_returns_1_when_a_mutant_escapes(course, tmp_path, capsys):
    report = tmp_path / "validate.json"
    assert main(["validate", "zq2", "--json", str(report)]) == EXIT_FAILED
    [entry] = json.loads(report.read_text())
    assert entry["ok"] is False
    assert entry["mutants"]["cheat"]["caught"] is False and entry["mutants"]["minus"]["caught"] is True
    assert any("cheat" in p for p in entry["problems"])
    assert "cheat" in capsys.readouterr().out


def test_validate_everything_includes_broken_folders(course, tmp_path, monkeypatch, capsys):
    """With no ids, every exercise is validated and a broken folder alone makes it fail."""
    monkeypatch.setattr(catalog, "builtin_exercises_dir", lambda: tmp_path / "no-builtins")
    shutil.rmtree(course / "zq2-leaky")
    broken = write_exercise(course, "zq6-broken", short_id="zq6")
    (broken / "solution.py").unlink()
    report = tmp_path / "all.json"
    assert main(["validate", "--json", str(report)]) == EXIT_FAILED
    assert [e["ok"] for e in json.loads(report.read_text())] == [True]      # zq1 itself is fine
    assert "zq6-broken" in capsys.readouterr().out


def test_workbook_writes_a_valid_notebook(course, tmp_path):
    out = tmp_path / "out" / "book.ipynb"
    assert main(["workbook", "zq1", "zq2", "-o", str(out)]) == EXIT_OK
    notebook = nbformat.read(str(out), as_version=4)
    nbformat.validate(notebook)
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert "%load_ext tfgrade" in sources
    answers = [s for s in sources if s.startswith("%%tfcheck ")]
    assert [a.splitlines()[0] for a in answers] == ["%%tfcheck zq1", "%%tfcheck zq2"]
    assert "return x + 1" not in answers[0]                       # learners get the starter, not the solution
    assert notebook.metadata["kernelspec"]["name"] == "python3"


def test_workbook_with_solutions(course, tmp_path):
    out = tmp_path / "solutions.ipynb"
    assert main(["workbook", "zq1", "--solutions", "-o", str(out)]) == EXIT_OK
    notebook = nbformat.read(str(out), as_version=4)
    nbformat.validate(notebook)
    [answer] = [c.source for c in notebook.cells if c.source.startswith("%%tfcheck")]
    assert answer == "%%tfcheck zq1\ndef add_one(x):\n    return x + 1"
