"""Write an nbgrader *source* notebook for tfgrade exercises (``tfgrade assign --nbgrader``).

Per exercise, in order:

- ``<id>-prompt``: the prompt (Markdown, read-only);
- ``<id>-setup``: the exercise's setup code (read-only);
- ``<id>-answer``: ``%%tfanswer <short id>``, the starter code, then the reference between
  ``### BEGIN SOLUTION`` / ``### END SOLUTION``. ``nbgrader generate_assignment`` keeps the
  first line and the starter and puts its code stub where the reference was;
- ``<id>-checks``: grade cell worth the visible checks' points;
- ``<id>-hidden-checks`` (exercises with hidden checks): grade cell worth the hidden checks'
  points whose code sits inside ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``:
  learners get a comment only, autograde restores the code. The code names the exercise and
  the hash of its hidden checks, never their text: the checks are read at grading time from
  the grader's installed exercises, so feedback cannot show them.

Metadata follows nbgrader's cell schema version 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ..catalog import get_exercise
from ..config import Settings
from ..spec import Exercise
from .bootstrap import cell_source
from .fingerprint import hidden_digest, visible_digest
from .points import check_points

__all__ = ["build_source_notebook", "write_source_notebook", "grade_cell_text", "timeout_note"]

# nbgrader stops a cell after this many seconds unless nbgrader_config.py sets `c.Execute.timeout`.
NBGRADER_CELL_TIMEOUT = 30

_INTRO = (
    "# {title}\n\n"
    "Each exercise has a prompt, a set-up cell, an answer cell and grade cells.\n\n"
    "- Write your answer in the answer cell, keeping its first line (`%%tfanswer ...`): it lets the "
    "grader see what TensorFlow did while your code ran. Replace the `raise NotImplementedError()` "
    "line with your code.\n"
    "- Run the grade cell below an answer to see how it does: a card lists each check, and the cell "
    "ends with the points earned. Some checks run only when your work is graded.\n"
    "- Leave the first two cells and the grade cells as they are."
)
_LOAD = "%load_ext tfgrade.nbgrader"


def _nbgrader(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
              points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def grade_cell_text(exercise: Exercise, part: str, digest: str, points: float) -> str:
    """Source of a grade cell: a comment, the bootstrap function, and the call whose value is the score."""
    what = "visible checks" if part == "visible" else "hidden checks"
    call = f"_tfgrade_grade({exercise.id!r}, {part!r}, {digest!r}, {points!r})"
    header = (
        f"# tfgrade grade cell: {exercise.id}, {what}, {points:g} point(s). Leave this cell as it is.\n"
        "# It loads tfgrade afresh from its installed files (changes earlier cells made to it do not count),\n"
        "# grades what the cells above defined, shows a card, and ends with the points earned.\n"
    )
    code = cell_source() + call
    if part == "hidden":
        header = (f"# tfgrade: the hidden checks of {exercise.id} ({points:g} point(s)) run here when your "
                  "work is graded.\n# Running this cell before that does nothing. Leave it as it is.\n")
        code = f"### BEGIN HIDDEN TESTS\n{code}\n### END HIDDEN TESTS"
    return header + code


def _answer_text(exercise: Exercise) -> str:
    starter = exercise.starter_source.rstrip()
    parts = [f"%%tfanswer {exercise.short_id}"]
    if starter:
        parts.append(starter)
    parts += ["### BEGIN SOLUTION", exercise.solution_source.rstrip(), "### END SOLUTION"]
    return "\n".join(parts)


def _cells_for(exercise: Exercise) -> list[nbformat.NotebookNode]:
    visible_points, hidden_points = check_points(exercise)
    key = exercise.id
    hidden_note = f", and {hidden_points:g} more from checks run only at grading" if hidden_points else ""
    text = exercise.prompt.strip()
    if not text.startswith("#"):
        text = f"## {exercise.title}\n\n{text}"
    prompt = f"{text}\n\n*`{exercise.short_id}`: {visible_points:g} point(s) from the checks below{hidden_note}.*"
    cells = [new_markdown_cell(prompt, metadata=_nbgrader(f"{key}-prompt", locked=True))]
    if exercise.setup_source.strip():
        cells.append(new_code_cell(exercise.setup_source.rstrip(), metadata=_nbgrader(f"{key}-setup", locked=True)))
    cells.append(new_code_cell(_answer_text(exercise), metadata=_nbgrader(f"{key}-answer", solution=True)))
    cells.append(new_code_cell(
        grade_cell_text(exercise, "visible", visible_digest(exercise), visible_points),
        metadata=_nbgrader(f"{key}-checks", grade=True, locked=True, points=visible_points)))
    digest = hidden_digest(exercise)
    if digest is not None and hidden_points > 0:
        cells.append(new_code_cell(
            grade_cell_text(exercise, "hidden", digest, hidden_points),
            metadata=_nbgrader(f"{key}-hidden-checks", grade=True, locked=True, points=hidden_points)))
    return cells


def build_source_notebook(ids: Iterable[str], *, title: str = "TensorFlow exercises",
                          settings: Settings | None = None) -> nbformat.NotebookNode:
    """The nbgrader source notebook for the exercises ``ids`` (ids or short ids), in that order;
    ``settings`` say where course folders are (default: the environment and tfgrade.toml)."""
    exercises = [get_exercise(i, settings=settings) for i in ids]
    if not exercises:
        raise ValueError("name at least one exercise, e.g. `tfgrade assign q03 ex12 --nbgrader ps1.ipynb`")
    cells = [new_markdown_cell(_INTRO.format(title=title), metadata=_nbgrader("tfgrade-intro", locked=True)),
             new_code_cell(_LOAD, metadata=_nbgrader("tfgrade-load", locked=True))]
    for exercise in exercises:
        cells.extend(_cells_for(exercise))
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["tfgrade"] = {"assignment": [e.id for e in exercises]}
    for cell in notebook.cells:   # stable ids: regenerated notebooks diff cleanly
        cell["id"] = cell.metadata["nbgrader"]["grade_id"]
    nbformat.validate(notebook)
    return notebook


def write_source_notebook(path: Path, ids: Iterable[str], *, title: str | None = None,
                          settings: Settings | None = None) -> Path:
    path = Path(path)
    if path.suffix != ".ipynb":
        raise ValueError(f"{path}: the nbgrader source notebook must end in .ipynb")
    notebook = build_source_notebook(ids, title=title or path.stem.replace("_", " "), settings=settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path


def timeout_note(ids: Iterable[str], *, settings: Settings | None = None) -> str | None:
    """What course staff must set when an exercise's answer cell may run longer than nbgrader lets a
    cell run by default (its ``[budget] max_seconds``); None when the default is enough."""
    long = [(e.short_id, float(e.budget["max_seconds"])) for e in (get_exercise(i, settings=settings) for i in ids)
            if isinstance(e.budget.get("max_seconds"), (int, float)) and e.budget["max_seconds"] > NBGRADER_CELL_TIMEOUT]
    if not long:
        return None
    slowest = max(seconds for _, seconds in long)
    named = ", ".join(f"{short} (up to {seconds:g} s)" for short, seconds in long)
    # The grade cells of such an exercise train models again: leave them as much time as the answer.
    suggested = int(2 * slowest + 60)
    return (f"nbgrader stops a cell after {NBGRADER_CELL_TIMEOUT} s by default, and the answer cells of {named} train "
            f"for longer: put `c.Execute.timeout = {suggested}` in nbgrader_config.py before autograding "
            "(a stopped cell scores 0).")
