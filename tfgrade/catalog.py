"""Find exercises: the built-in catalog, course folders named in the settings, and course packages.

Where exercises come from, in this order:

1. the built-in catalog shipped with tfgrade;
2. course folders from the settings (``TFGRADE_EXERCISES``, then ``extra_exercise_dirs`` of
   ``tfgrade.toml``: :mod:`tfgrade.config` reads both) and folders passed as ``extra_dirs``;
3. installed course packages: each entry point of the group ``tfgrade.exercises`` names a
   folder of exercise folders (``my_course.exercises`` for a package's folder, or
   ``my_course:exercises_dir`` for an attribute holding a path, or a function returning one).

An exercise whose id or short id is already taken is refused, with both folders named: a course
never silently replaces another exercise.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Iterable

from .config import Settings, load_settings
from .errors import SpecError, UnknownExerciseError
from .spec import Exercise, load_exercise

__all__ = [
    "ENTRY_POINT_GROUP", "builtin_exercises_dir", "exercise_folders", "list_exercises", "get_exercise",
    "broken_exercises", "Catalog", "load_catalog",
]

ENTRY_POINT_GROUP = "tfgrade.exercises"
_SHORT_ID_LINE = re.compile(r'^\s*short_id\s*=\s*["\']([^"\']+)["\']', re.MULTILINE)


def builtin_exercises_dir() -> Path:
    """The folder of bundled exercises: inside the wheel, or ``exercises/`` in a checkout."""
    packaged = resources.files("tfgrade") / "_exercises"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "exercises"


@dataclass(frozen=True)
class Broken:
    """An exercise folder that could not be used, and why."""

    folder: Path
    error: SpecError
    refused: bool = False     # it loaded, but its id or short id was already taken

    def named(self, wanted: str) -> bool:
        """Whether ``wanted`` (as a learner would type it) most likely means this folder."""
        names = {self.folder.name, self.folder.name.split("-")[0]}
        try:
            names.update(_SHORT_ID_LINE.findall((self.folder / "exercise.toml").read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            pass
        return wanted in names or wanted.lower() in names


@dataclass(frozen=True)
class Catalog:
    exercises: tuple[Exercise, ...]
    broken: tuple[Broken, ...]

    def find(self, name: str) -> Exercise:
        """The exercise called ``name`` (id or short id, any case and spacing).

        A name that points at a folder that failed to load (or was refused) raises that folder's
        :class:`SpecError`; an unknown name raises :class:`UnknownExerciseError` with close matches.
        """
        wanted = name.strip()
        for problem in self.broken:     # a refused duplicate must not be answered by the other one silently
            if problem.refused and problem.named(wanted):
                raise problem.error
        for exercise in self.exercises:
            if exercise.matches(wanted) or exercise.matches(wanted.lower()):
                return exercise
        for problem in self.broken:
            if problem.named(wanted):
                raise problem.error
        exercises = self.exercises
        names = [e.short_id for e in exercises] + [e.id for e in exercises]
        close = difflib.get_close_matches(wanted.lower(), names, n=3, cutoff=0.5)
        prefixed = [e.short_id for e in exercises
                    if e.id.startswith(wanted.lower()) or e.short_id.startswith(wanted.lower())]
        suggestions = list(dict.fromkeys([*close, *prefixed]))[:4]
        raise UnknownExerciseError(wanted, suggestions, [e.short_id for e in exercises])


def _entry_point_folders() -> tuple[list[Path], list[Broken]]:
    """The folder named by each installed course entry point, and the entry points that cannot be used."""
    folders: list[Path] = []
    problems: list[Broken] = []
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        label = f"entry point `{entry.name} = {entry.value}` (group {ENTRY_POINT_GROUP})"
        try:
            if entry.attr is None:     # a package: its own folder, found without running its code
                spec = importlib.util.find_spec(entry.module)
                locations = list(spec.submodule_search_locations or []) if spec else []
                if not locations:
                    raise ValueError(f"{entry.module} is not a package folder")
                folder = Path(locations[0])
            else:
                value = entry.load()
                folder = Path(os.fspath(value() if callable(value) else value))
        except Exception as exc:      # a broken course package must not take the catalog down
            problems.append(Broken(Path(entry.name), SpecError(
                label, f"cannot be used ({type(exc).__name__}: {exc}); it must name a package or a folder path")))
            continue
        folders.append(folder)
    return folders, problems


def _folders_and_problems(settings: Settings, extra_dirs: Iterable[Path | str]) -> tuple[list[Path], list[Broken]]:
    packaged, problems = _entry_point_folders()
    named = [*map(Path, settings.extra_exercise_dirs), *map(Path, extra_dirs)]
    for folder in named:
        if not folder.is_dir():      # a typo in a course folder must not pass silently
            problems.append(Broken(folder, SpecError(folder, "this course folder does not exist (named in "
                                                             "TFGRADE_EXERCISES or tfgrade.toml's extra_exercise_dirs)")))
    for folder in packaged:
        if not folder.is_dir():
            problems.append(Broken(folder, SpecError(folder, f"the folder an entry point of {ENTRY_POINT_GROUP} "
                                                             "names does not exist")))
    unique: dict[str, Path] = {}
    for folder in [builtin_exercises_dir(), *named, *packaged]:
        unique.setdefault(os.path.realpath(folder), folder)
    return [f for f in unique.values() if f.is_dir()], problems


def exercise_folders(settings: Settings | None = None, extra_dirs: Iterable[Path | str] = ()) -> list[Path]:
    """The existing folders searched for exercise folders, in lookup order (duplicates removed)."""
    return _folders_and_problems(settings if settings is not None else load_settings(), extra_dirs)[0]


def load_catalog(settings: Settings | None = None, extra_dirs: Iterable[Path | str] = ()) -> Catalog:
    """Every exercise in catalog order, and every folder that could not be used (one broken
    exercise never hides the others; ``tfgrade validate`` and ``tfgrade list`` report them)."""
    settings = settings if settings is not None else load_settings()
    owners: dict[str, Exercise] = {}       # id and short id -> the exercise that has it
    found: list[Exercise] = []
    roots, broken = _folders_and_problems(settings, extra_dirs)
    for root in roots:
        for toml in sorted(root.glob("*/exercise.toml")):
            try:
                exercise = load_exercise(toml.parent)
            except SpecError as exc:
                broken.append(Broken(toml.parent, exc))
                continue
            taken = next((owners[n] for n in (exercise.id, exercise.short_id) if n in owners), None)
            if taken is not None:
                broken.append(Broken(toml.parent, SpecError(toml, (
                    f"id {exercise.id!r} / short id {exercise.short_id!r} is already used by {taken.folder}; "
                    "refused so that neither hides the other: give this exercise another id and short_id")),
                    refused=True))
                continue
            owners[exercise.id] = owners[exercise.short_id] = exercise
            found.append(exercise)
    return Catalog(tuple(sorted(found, key=lambda e: (e.order, e.id))), tuple(broken))


def broken_exercises(extra_dirs: Iterable[Path] = (), settings: Settings | None = None) -> list[SpecError]:
    """Exercise folders that could not be loaded, each with the reason."""
    return [b.error for b in load_catalog(settings, extra_dirs).broken]


def list_exercises(extra_dirs: Iterable[Path] = (), settings: Settings | None = None) -> list[Exercise]:
    """All exercises in catalog order."""
    return list(load_catalog(settings, extra_dirs).exercises)


def get_exercise(name: str, extra_dirs: Iterable[Path] = (), settings: Settings | None = None) -> Exercise:
    """Look up by full id (``ex12-layer-norm``) or short id (``ex12``); see :meth:`Catalog.find`."""
    return load_catalog(settings, extra_dirs).find(name)
