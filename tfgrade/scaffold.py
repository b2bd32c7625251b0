"""``tfgrade new ID``: write a complete, working exercise folder to start a new one from.

The files come from ``scaffold_template/`` (``*.tmpl``, with ``__ID__`` and ``__SHORT_ID__``
filled in): a small TensorFlow exercise whose checks really test something, one mutant with
its header, hidden checks and the requirement table, so ``tfgrade validate`` accepts it as is.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Mapping

from .spec import ID_PATTERN

__all__ = ["scaffold_exercise"]


def _templates() -> list[tuple[str, str]]:
    """(relative path without .tmpl, text) for every template file."""
    root = resources.files("tfgrade") / "scaffold_template"
    found = []

    def walk(folder, prefix: str) -> None:
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".tmpl"):
                found.append((prefix + entry.name[: -len(".tmpl")], entry.read_text(encoding="utf-8")))

    walk(root, "")
    return found


def scaffold_exercise(exercise_id: str, course_dir: Path, taken: Mapping[str, Path] | None = None) -> Path:
    """Write ``course_dir/exercise_id/``; its short id is the part of the id before the first '-'.

    ``taken`` maps the ids and short ids already in use to their folders. Raises ValueError for an
    id tfgrade would refuse or one already taken, FileExistsError if the folder exists (nothing is
    overwritten).
    """
    if not ID_PATTERN.match(exercise_id):
        raise ValueError(f"{exercise_id!r} is not a valid exercise id: use lower-case letters, digits and '-', "
                         "e.g. c01-scaling")
    short_id = exercise_id.split("-")[0]
    for name in (exercise_id, short_id):
        if taken and name in taken:
            raise ValueError(f"{name!r} is already used by {taken[name]}; choose an id whose part before the "
                             "first '-' is new too (it becomes the short id)")
    folder = Path(course_dir) / exercise_id
    if folder.exists():
        raise FileExistsError(f"{folder} already exists; choose another id or --dir (nothing was overwritten)")
    for relative, text in _templates():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.replace("__SHORT_ID__", short_id).replace("__ID__", exercise_id), encoding="utf-8")
    return folder
