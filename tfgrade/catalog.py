"""Find exercises: the built-in catalog shipped with tfgrade, plus course folders.

Course folders come from ``TFGRADE_EXERCISES`` (``os.pathsep``-separated) or are passed
explicitly; a course exercise with the same id as a built-in one replaces it.
"""

from __future__ import annotations

import difflib
import os
from importlib import resources
from pathlib import Path
from typing import Iterable

from .errors import SpecError, UnknownExerciseError
from .spec import Exercise, load_exercise

__all__ = ["builtin_exercises_dir", "list_exercises", "get_exercise", "broken_exercises"]


def builtin_exercises_dir() -> Path:
    """The folder of bundled exercises: inside the wheel, or ``exercises/`` in a checkout."""
    packaged = resources.files("tfgrade") / "_exercises"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "exercises"


def _course_dirs() -> list[Path]:
    raw = os.environ.get("TFGRADE_EXERCISES", "")
    return [Path(p) for p in raw.split(os.pathsep) if p]


def _scan(folders: tuple[Path, ...]) -> tuple[tuple[Exercise, ...], tuple[SpecError, ...]]:
    """Valid exercises in catalog order, and the folders that failed to load (one broken
    exercise must not hide the others; `tfgrade validate` reports the broken ones)."""
    found: dict[str, Exercise] = {}
    broken: list[SpecError] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for toml in sorted(folder.glob("*/exercise.toml")):
            try:
                exercise = load_exercise(toml.parent)
            except SpecError as exc:
                broken.append(exc)
                continue
            found[exercise.id] = exercise
    return tuple(sorted(found.values(), key=lambda e: (e.order, e.id))), tuple(broken)


def _folders(extra_dirs: Iterable[Path]) -> tuple[Path, ...]:
    return (builtin_exercises_dir(), *_course_dirs(), *(Path(p) for p in extra_dirs))


def broken_exercises(extra_dirs: Iterable[Path] = ()) -> list[SpecError]:
    """Exercise folders that could not be loaded, each with the reason."""
    return list(_scan(_folders(extra_dirs))[1])


def list_exercises(extra_dirs: Iterable[Path] = ()) -> list[Exercise]:
    """All exercises in catalog order (built-in first, course folders override)."""
    return list(_scan(_folders(extra_dirs))[0])


def get_exercise(name: str, extra_dirs: Iterable[Path] = ()) -> Exercise:
    """Look up by full id (``ex12-layer-norm``) or short id (``ex12``)."""
    exercises = list_exercises(extra_dirs)
    wanted = name.strip()
    for exercise in exercises:
        if exercise.matches(wanted) or exercise.matches(wanted.lower()):
            return exercise
    for problem in broken_exercises(extra_dirs):
        if Path(str(problem.path)).name == wanted or Path(str(problem.path)).parent.name == wanted:
            raise problem
    names = [e.short_id for e in exercises] + [e.id for e in exercises]
    close = difflib.get_close_matches(wanted.lower(), names, n=3, cutoff=0.5)
    prefixed = [e.short_id for e in exercises if e.id.startswith(wanted.lower()) or e.short_id.startswith(wanted.lower())]
    suggestions = list(dict.fromkeys([*close, *prefixed]))[:4]
    raise UnknownExerciseError(wanted, suggestions, [e.short_id for e in exercises])
