"""`tfgrade grade`: fresh kernels, parallel, and bad notebooks reported without losing the others."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tfgrade.batch import grade_notebooks
from tfgrade.catalog import get_exercise
from tfgrade.cli import main

pytestmark = [pytest.mark.batch, pytest.mark.kernel, pytest.mark.slow]

EX12 = get_exercise("ex12")


def _write(path: Path, sources: list[str]) -> Path:
    notebook = new_notebook(cells=[new_code_cell(s) for s in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, str(path))
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("submissions")
    head = ["%load_ext tfgrade", EX12.setup_source]
    _write(root / "alice.ipynb", [*head, "%%tfcheck ex12\n" + EX12.solution_source])
    mutant = next(m for m in EX12.mutants if m.name == "swapped_initialisers")
    _write(root / "bob.ipynb", [*head, "%%tfcheck ex12\n" + mutant.source])
    _write(root / "crash.ipynb", [*head, "import os\nos._exit(1)", "%%tfcheck ex12\n" + EX12.solution_source])
    _write(root / "slow.ipynb", ["import time\ntime.sleep(60)"])
    (root / "corrupt.ipynb").write_text("{ this is not json")
    return root


@pytest.fixture(scope="module")
def results(folder):
    paths = sorted(folder.glob("*.ipynb"))
    return {Path(r.path).stem: r for r in grade_notebooks(paths, jobs=2, timeout=20)}


def test_scores_of_good_notebooks(results):
    alice, bob = results["alice"], results["bob"]
    assert alice.status == bob.status == "ok"
    assert alice.score == alice.max_score > 0
    assert bob.score < bob.max_score
    assert "initial_values" in [c.id for c in bob.reports[0].checks if c.status == "fail"]


def test_crashed_kernel_is_reported_for_that_notebook_only(results):
    crash = results["crash"]
    assert crash.status == "crashed"
    assert "died" in crash.problem
    assert crash.missing == ("ex12",)


def test_timeout_is_reported(results):
    assert results["slow"].status == "timeout"
    assert "20 s" in results["slow"].problem


def test_corrupt_notebook_is_named(results):
    corrupt = results["corrupt"]
    assert corrupt.status == "unreadable"
    assert "corrupt.ipynb" in corrupt.problem and "not a readable notebook" in corrupt.problem


def test_cli_grade_writes_json_and_csv_and_exit_code(folder, tmp_path, capsys):
    out_json, out_csv = tmp_path / "grades.json", tmp_path / "grades.csv"
    code = main(["grade", str(folder / "alice.ipynb"), str(folder / "corrupt.ipynb"),
                 "--json", str(out_json), "--csv", str(out_csv), "--timeout", "120"])
    assert code == 1    # the corrupt notebook could not be graded
    payload = {Path(p["notebook"]).stem: p for p in json.loads(out_json.read_text())}
    assert payload["alice"]["score"] == payload["alice"]["max_score"] > 0
    assert payload["corrupt"]["status"] == "unreadable"
    rows = out_csv.read_text().splitlines()
    assert rows[0] == "notebook,exercise,score,max_score,status"
    assert any("alice.ipynb,ex12-layer-norm" in r for r in rows[1:])
    printed = capsys.readouterr().out
    assert "A custom layer normalization layer" in printed
