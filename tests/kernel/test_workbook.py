"""The chapter workbook: shipped in sync with the catalog, and full marks with the reference solutions."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tfgrade.batch import BatchOptions, grade_batch
from tfgrade.catalog import builtin_exercises_dir, list_exercises
from tfgrade.workbook import build_workbook, write_workbook

SHIPPED = builtin_exercises_dir() / "chapter12.ipynb"


def _strip(notebook) -> str:
    return json.dumps(notebook, sort_keys=True)


def test_shipped_workbook_is_up_to_date():
    shipped = nbformat.read(str(SHIPPED), as_version=4)
    assert _strip(shipped) == _strip(build_workbook()), (
        "exercises/chapter12.ipynb is stale: run `tfgrade workbook -o exercises/chapter12.ipynb`"
    )


def test_workbook_has_a_tfcheck_cell_per_exercise():
    notebook = build_workbook()
    answers = [c for c in notebook.cells if c.metadata.get("tfgrade", {}).get("role") == "answer"]
    assert [c.source.splitlines()[0] for c in answers] == [f"%%tfcheck {e.short_id}" for e in list_exercises()]
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.kernel
@pytest.mark.batch
@pytest.mark.slow
def test_solutions_workbook_gets_full_marks_top_to_bottom(tmp_path):
    path = write_workbook(tmp_path / "solutions.ipynb", solutions=True)
    (result,) = grade_batch([path], BatchOptions(out=tmp_path / "out", timeout=600, include_hidden=True))
    assert result.ok, [(r.exercise, r.status, r.reason) for r in result.rows]
    assert not result.cell_errors, result.cell_errors
    graded = {r.exercise: r.report for r in result.rows}
    assert set(graded) == {e.id for e in list_exercises()}
    for exercise_id, report in graded.items():
        lost = [(c["id"], c["status"], c["message"][:120]) for c in report["checks"] if c["status"] != "pass"]
        assert report["score"] == report["max_score"] > 0, (exercise_id, lost, report["cell_error"])
