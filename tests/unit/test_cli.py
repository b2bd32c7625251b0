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
CAUGHT = "# mistake: subtracts\n# caught-by: check_adds_one\ndef add_one(x):\n    return x - 1\n"
ESCAPES = "# mistake: special-cases the checked input\n# caught-by: check_adds_one\ndef add_one(x):\n    return 2\n"
README = """\
## Requirements

| Requirement | Check | Mutant |
|---|---|---|
| adds one | `check_adds_one` | `minus` |
"""


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
                   toml_extra="order = 1\n", readme=README)
    write_exercise(root, "zq2-leaky", short_id="zq2", title="Leaky one", checks=CHECKS,
                   mutants={"minus": CAUGHT, "cheat": ESCAPES}, toml_extra="order = 2\n", readme=README)
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
    assert "o exercise called" in capsys.readouterr().err


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
    assert main(["grade", str(empty), "--out", str(tmp_path / "out")]) == EXIT_USAGE


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
    assert main(["validate", "zq1", "--seeds", "2", "--diff", "--json", str(report)]) == EXIT_OK
    [entry] = json.loads(report.read_text())
    assert entry["exercise"] == "zq1-good" and entry["ok"] is True
    assert entry["reference"] == [2, 2]
    assert [s["seed"] for s in entry["seeds"]] == [42, 43]
    minus = entry["mutants"]["minus"]
    assert (minus["caught"], minus["lost"], minus["caught_by"]) == (True, ["adds_one"], ["check_adds_one"])
    assert "-    return x + 1\n+    return x - 1" in minus["diff"] and "# mistake" not in minus["diff"]
    assert set(entry["check_times"]) == {"check_adds_one"} and entry["untested_checks"] == []
    assert entry["requirements"] == [{"requirement": "adds one", "checks": ["check_adds_one"], "mutants": ["minus"]}]
    out = capsys.readouterr().out
    assert "zq1-good: ok" in out and "reference 2/2" in out and "+    return x - 1" in out


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
    assert main(["validate", "--seeds", "1", "--json", str(report)]) == EXIT_INPUT
    entries = json.loads(report.read_text())
    assert [(e["exercise"], e["ok"]) for e in entries] == [("zq1-good", True), ("zq6-broken", False)]
    assert "missing solution.py" in entries[1]["problems"][0]
    assert "zq6-broken" in capsys.readouterr().out


def test_validate_and_show_find_a_malformed_folder_by_its_short_id(course, capsys):
    broken = write_exercise(course, "c01-typo", short_id="c01")
    (broken / "exercise.toml").write_text('id = "c01-typo"\nshort_id = "c01"\ntitle = "x\n')
    for command in ("validate", "show"):
        assert main([command, "c01"]) == EXIT_INPUT
        err = capsys.readouterr().err
        assert "exercise.toml:3" in err and "not valid TOML" in err and "o exercise called" not in err


def test_unknown_exercise_message_points_to_tfgrade_list(course, capsys):
    assert main(["show", "zq9"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "`tfgrade list`" in err and "%tfcheck" not in err


@pytest.mark.parametrize("env, toml", [({"TFGRADE_TIME_SCALE": "abc"}, None), ({"TFGRADE_SEED": "x"}, None),
                                       ({}, "[tfgrade]\ninclude_hidden = \"no\"\n"), ({}, "seed = 1\n")])
def test_bad_settings_are_one_line_usage_errors_exit_2(course, monkeypatch, capsys, env, toml):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if toml is not None:
        Path("tfgrade.toml").write_text(toml)
    with pytest.raises(SystemExit) as info:
        main(["list"])
    assert info.value.code == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert (next(iter(env)) if env else "tfgrade.toml") in err


def test_bad_option_values_exit_2(course, capsys):
    for argv in (["validate", "--seeds", "0"], ["validate", "--seeds", "x"], ["new", "Bad_Id"], ["new", "q03-again"]):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
        assert code == EXIT_USAGE, argv
        err = capsys.readouterr().err
        assert "Traceback" not in err and (argv[1] != "q03-again" or "'q03' is already used by" in err)
    assert not Path("q03-again").exists()


def test_validate_fails_on_a_misspelled_marker_with_file_and_line(course, tmp_path, capsys):
    checks = CHECKS.replace("points(2)", "point(2)")
    write_exercise(course, "zq4-mark", short_id="zq4", checks=checks, mutants={"minus": CAUGHT}, readme=README)
    assert main(["validate", "zq4", "--seeds", "1"]) == EXIT_FAILED
    out = " ".join(capsys.readouterr().out.split())
    assert "checks.py:3: unknown marker `@pytest.mark.point`: write `@pytest.mark.points(...)`" in out


def test_new_writes_an_exercise_that_validates_and_refuses_to_overwrite(tmp_path, monkeypatch, capsys):
    course_dir = tmp_path / "newcourse"
    assert main(["new", "c07-demo", "--dir", str(course_dir)]) == EXIT_OK
    folder = course_dir / "c07-demo"
    expected = {"exercise.toml", "prompt.md", "setup.py", "starter.py", "solution.py", "checks.py",
                "hidden_checks.py", "README.md", "mutants"}
    assert {p.name for p in folder.iterdir()} == expected
    assert (folder / "mutants" / "whole_tensor_mean.py").read_text().startswith("# mistake:")
    monkeypatch.setenv("TFGRADE_EXERCISES", str(course_dir))
    monkeypatch.delenv("TFGRADE_PROBES", raising=False)
    report = tmp_path / "new.json"
    assert main(["validate", "c07", "--seeds", "2", "--json", str(report)]) == EXIT_OK
    [entry] = json.loads(report.read_text())
    assert entry["ok"] and entry["reference"] == [6, 6]
    assert entry["mutants"]["whole_tensor_mean"]["caught"]
    capsys.readouterr()
    assert main(["new", "c07-demo", "--dir", str(course_dir)]) == EXIT_USAGE      # its id is in use now
    assert "'c07-demo' is already used by" in capsys.readouterr().err
    monkeypatch.delenv("TFGRADE_EXERCISES")
    (folder / "prompt.md").write_text("mine")
    assert main(["new", "c07-demo", "--dir", str(course_dir)]) == EXIT_USAGE      # not in use, but there
    assert "already exists" in capsys.readouterr().err and (folder / "prompt.md").read_text() == "mine"


def test_show_prints_prompt_points_and_visible_check_titles_within_80_columns(course, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    long_item = "- **`add_one(x)`** " + "returns its argument plus one for every number you can think of " * 3
    (course / "zq1-good" / "prompt.md").write_text(f"Write a function.\n\n{long_item}\n")
    (course / "zq1-good" / "hidden_checks.py").write_text('def check_secret_big_numbers(learner):\n    """Secret one"""\n')
    assert main(["show", "zq1"]) == EXIT_OK
    out = capsys.readouterr().out
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert "Checks: 2 points" in out
    assert "check_adds_one (2 pts)" in out
    assert "Secret" not in out and "secret" not in out
    words = " ".join(out.split())
    assert "think of returns its argument plus one" in words


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


def test_list_reports_broken_folders_and_exits_3(course, capsys):
    broken = write_exercise(course, "zq8-bad", short_id="zq8", toml_extra='order = "eight"\n')
    assert main(["list"]) == EXIT_INPUT
    out = capsys.readouterr().out
    assert "zq1-good" in out and "broken:" in out and str(broken / "exercise.toml") in out and "order" in out


def test_validate_json_to_stdout_for_ci(course, capsys):
    assert main(["validate", "zq1", "--seeds", "1", "--json", "-"]) == EXIT_OK
    captured = capsys.readouterr()
    [entry] = json.loads(captured.out)
    assert entry["exercise"] == "zq1-good" and entry["ok"] is True
    assert "zq1-good: ok" in captured.err          # the human report goes to stderr then
