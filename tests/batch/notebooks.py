"""Submissions for the batch tests: honest, broken and hostile notebooks, written independently of tfgrade."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tfgrade.catalog import get_exercise
from tfgrade.report import MIME_TYPE

EX12 = get_exercise("ex12")
Q03 = get_exercise("q03")
HEAD = ["%load_ext tfgrade", EX12.setup_source]


def declared_max(path: Path) -> float:
    """Points of a checks file, read from its source (each check 1 point unless marked otherwise)."""
    total = 0.0
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith(("check_", "test_")):
            marks = [d for d in node.decorator_list
                     if isinstance(d, ast.Call) and ast.unparse(d.func).endswith("points")]
            total += float(ast.literal_eval(marks[0].args[0])) if marks else 1.0
    return total


EX12_MAX = declared_max(EX12.checks_path)    # visible checks only (no --hidden)
MUTANT = next(m for m in EX12.mutants if m.name == "swapped_initialisers").source


def with_line_in_call(source: str, line: str) -> str:
    """``source`` with ``line`` as the first statement of its ``call`` method: code the checks run."""
    match = re.search(r"\n(\s+)def call\(self[^\n]*\n", source)
    assert match, "no call() method in the source"
    return source[:match.end()] + match.group(1) + "    " + line + "\n" + source[match.end():]


def fake_report(exercise: str = "ex12-layer-norm", score: float = 10.0) -> dict:
    """A report as a cheater would forge it: everything passed."""
    return {"schema": "tfgrade.report/1", "exercise": exercise, "title": "x", "short_id": "ex12",
            "score": score, "max_score": score, "passed": True, "exercise_version": EX12.version,
            "checks": [{"id": "weights_created", "title": "t", "status": "pass", "points": score, "max_points": score}]}


def write(path: Path, sources: list[str], outputs: dict[int, list] | None = None,
          tags: dict[int, list[str]] | None = None) -> Path:
    cells = [new_code_cell(s) for s in sources]
    for index, stored in (outputs or {}).items():
        cells[index].outputs = stored
        cells[index].execution_count = 1
    for index, names in (tags or {}).items():
        cells[index].metadata["tags"] = names
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path


def stored_report(payload: dict) -> list:
    return [new_output("display_data", data={MIME_TYPE: payload, "text/plain": "10/10"})]


def tfcheck(source: str, name: str = "ex12") -> str:
    return f"%%tfcheck {name}\n{source}"
