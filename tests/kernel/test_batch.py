"""`tfgrade grade` on the command line: exit codes, the CSV and the JSON it writes, progress lines."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tfgrade.cli import main

from ..batch.notebooks import EX12, EX12_MAX, HEAD, MUTANT, Q03, tfcheck, write

pytestmark = [pytest.mark.batch, pytest.mark.slow]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("submissions")
    # Two students with the same file name: two identities.
    write(root / "alice" / "hw.ipynb", [*HEAD, tfcheck(EX12.solution_source)])
    write(root / "bob" / "hw.ipynb", [*HEAD, tfcheck(MUTANT)])
    write(root / "carol.ipynb", [EX12.setup_source, tfcheck(EX12.solution_source)])        # no %load_ext
    return root


def _csv(out: Path) -> list[dict[str, str]]:
    with open(out / "grades.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_grade_writes_csv_and_json_per_submission(folder, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["grade", str(folder), "--out", str(out), "--jobs", "2", "--timeout", "120"])
    assert code == 1      # carol's notebook never loads tfgrade: not graded
    rows = {(r["submission"], r["exercise"]): r for r in _csv(out)}
    assert list(rows) == [("alice/hw.ipynb", "ex12-layer-norm"), ("bob/hw.ipynb", "ex12-layer-norm"),
                          ("carol.ipynb", "ex12-layer-norm")]
    alice, bob, carol = rows.values()
    top = f"{EX12_MAX:g}"
    assert (alice["score"], alice["max"], alice["status"], alice["reason"]) == (top, top, "ok", "")
    assert bob["status"] == "ok" and 0 < float(bob["score"]) < EX12_MAX and bob["max"] == top
    assert (carol["score"], carol["max"], carol["status"]) == ("0", top, "usage error")
    assert "UsageError: Cell magic `%%tfcheck` not found" in carol["reason"]
    assert all(float(r["seconds"]) > 0 for r in rows.values())
    stored = json.loads((out / "submissions" / "bob%2Fhw.ipynb.json").read_text())
    assert stored["submission"] == "bob/hw.ipynb" and stored["sha256"].startswith("sha256:")
    report = stored["rows"][0]["report"]
    assert report["exercise_version"] == stored["rows"][0]["exercise_version"] == EX12.version
    assert "initial_values" in [c["id"] for c in report["checks"] if c["status"] == "fail"]
    captured = capsys.readouterr()
    assert "[3/3]" in captured.err and "1/3 submission(s) fully graded" not in captured.out
    assert "2/3 submission(s) fully graded" in captured.out


def test_exercises_option_grades_what_the_grader_says(folder, tmp_path):
    out = tmp_path / "out"
    code = main(["grade", str(folder / "alice"), "--out", str(out), "--exercises", "ex12", "q03", "--timeout", "120"])
    assert code == 1      # alice has no q03 cell: 0 out of q03's maximum, and not "graded"
    rows = {r["exercise"]: r for r in _csv(out)}
    assert float(rows["ex12-layer-norm"]["score"]) == EX12_MAX
    q03 = rows["q03-dtypes"]
    assert (q03["score"], q03["status"]) == ("0", "no tfcheck cell") and float(q03["max"]) > 0


def test_all_graded_is_exit_code_0(tmp_path):
    write(tmp_path / "in" / "s.ipynb", ["%load_ext tfgrade", Q03.setup_source, tfcheck(Q03.solution_source, "q03")])
    assert main(["grade", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--timeout", "120"]) == 0


@pytest.mark.parametrize("arguments, code, words", [
    (["grade", "nonexistent/", "--out", "OUT"], 2, "nonexistent/: no such file or folder"),
    (["grade", "EMPTY", "--out", "OUT"], 2, "no notebooks"),
    (["grade", "NB", "--out", "OUT", "--memory", "lots"], 2, "'lots' is not an amount of memory"),
    (["grade", "NB", "--out", "OUT", "--jobs", "0"], 2, "--jobs must be at least 1"),
    (["grade", "NB", "--out", "OUT", "--exercises", "ex99"], 3, "no exercise called 'ex99'"),
])
def test_usage_errors(tmp_path, capsys, monkeypatch, arguments, code, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "EMPTY").mkdir()
    write(tmp_path / "NB", ["x = 1"])
    assert main(arguments) == code
    assert words in capsys.readouterr().err
    assert not (tmp_path / "OUT" / "grades.csv").exists()
