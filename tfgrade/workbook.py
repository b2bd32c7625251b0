"""Build the learner workbook: per exercise, its prompt, its setup code, and a ``%%tfcheck`` cell."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .catalog import get_exercise, list_exercises
from .config import Settings
from .spec import Exercise

__all__ = ["build_workbook", "write_workbook", "WORKBOOK_TITLE"]

WORKBOOK_TITLE = "Custom models and training with TensorFlow: exercises"
_INTRO = (
    f"# {WORKBOOK_TITLE}\n\n"
    "Each exercise below has a prompt and a cell that starts with `%%tfcheck <id>`. Write your "
    "answer in that cell and run it: your code runs as in any cell, then tfgrade checks it and shows "
    "a results card under the cell (score, what passed, hints on demand, TensorFlow diagnostics).\n\n"
    "Run the first cell once to load tfgrade. `%tfcheck list` shows every exercise and your progress."
)


def _cells_for(exercise: Exercise, solutions: bool) -> list[nbformat.NotebookNode]:
    body = exercise.solution_source if solutions else (exercise.starter_source or "# your code here\n")
    cells = [new_markdown_cell(f"## {exercise.title} (`{exercise.short_id}`)\n\n{exercise.prompt.strip()}",
                               metadata={"tfgrade": {"exercise": exercise.id, "role": "prompt"}})]
    if exercise.setup_source.strip():
        cells.append(new_code_cell(exercise.setup_source.rstrip("\n"),
                                   metadata={"tfgrade": {"exercise": exercise.id, "role": "setup"}}))
    cells.append(new_code_cell(f"%%tfcheck {exercise.short_id}\n{body.rstrip()}",
                               metadata={"tfgrade": {"exercise": exercise.id, "role": "answer"}}))
    return cells


def build_workbook(ids: Iterable[str] = (), *, solutions: bool = False,
                   settings: Settings | None = None) -> nbformat.NotebookNode:
    """The workbook for ``ids`` (every exercise when empty), with starters or reference solutions;
    ``settings`` say which course folders to look in (default: the working folder's settings)."""
    exercises = [get_exercise(i, settings=settings) for i in ids] or list_exercises(settings=settings)
    cells = [new_markdown_cell(_INTRO), new_code_cell("%load_ext tfgrade", metadata={"tfgrade": {"role": "load"}})]
    for exercise in exercises:
        cells.extend(_cells_for(exercise, solutions))
    notebook = new_notebook(cells=cells)
    # Without a kernelspec, JupyterLab asks for a kernel instead of starting one.
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["tfgrade"] = {"workbook": "chapter12", "solutions": solutions}
    for index, cell in enumerate(notebook.cells):   # stable ids: the shipped file diffs cleanly
        cell["id"] = f"tfgrade-{index:03d}"
    nbformat.validate(notebook)
    return notebook


def write_workbook(path: Path, ids: Iterable[str] = (), *, solutions: bool = False,
                   settings: Settings | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_workbook(ids, solutions=solutions, settings=settings), str(path))
    return path
