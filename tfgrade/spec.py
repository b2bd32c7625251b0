"""The exercise spec: frozen dataclasses parsed from ``exercises/<id>/exercise.toml``.

The folder format is documented for instructors in ``exercises/README.md``.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import SpecError

__all__ = ["Exercise", "Mutant", "load_exercise", "exercise_version", "MUTANT_NOTE_PREFIX"]

MUTANT_NOTE_PREFIX = "# mistake:"
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_KNOWN_KEYS = {
    "id", "short_id", "title", "order", "points_note", "time_limit", "seed", "seed_cell",
    "budget", "requires", "summary", "hints", "points",
}


@dataclass(frozen=True)
class Mutant:
    """A known-wrong solution that the checks must reject."""

    name: str
    path: Path
    note: str

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Exercise:
    """One exercise: its metadata and the files beside its ``exercise.toml``."""

    id: str
    short_id: str
    title: str
    folder: Path
    order: int = 1000
    summary: str = ""
    time_limit: float = 20.0
    seed: int = 42
    seed_cell: bool = True
    requires: tuple[str, ...] = ()
    budget: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    general_hints: tuple[str, ...] = ()
    declared_points: float | None = None   # `points` in exercise.toml: the total the checks must add up to

    # Files beside exercise.toml. Only exercise.toml, solution.py and checks.py are required.
    @property
    def prompt(self) -> str:
        return _read_optional(self.folder / "prompt.md")

    @property
    def setup_source(self) -> str:
        """Code for ordinary cells before the graded one (imports, data loading)."""
        return _read_optional(self.folder / "setup.py")

    @property
    def starter_source(self) -> str:
        return _read_optional(self.folder / "starter.py")

    @property
    def solution_source(self) -> str:
        return (self.folder / "solution.py").read_text(encoding="utf-8")

    @property
    def checks_path(self) -> Path:
        return self.folder / "checks.py"

    @property
    def hidden_checks_path(self) -> Path | None:
        path = self.folder / "hidden_checks.py"
        return path if path.is_file() else None

    @property
    def mutants(self) -> tuple[Mutant, ...]:
        folder = self.folder / "mutants"
        if not folder.is_dir():
            return ()
        return tuple(_load_mutant(p) for p in sorted(folder.glob("*.py")))

    @property
    def version(self) -> str:
        """Content hash of what decides a grade (spec, setup and checks, hidden ones included).

        Recorded in every Report, so a grade can be traced to the exact checks that produced it,
        and batch grading can tell when a stored result was made by other checks.
        """
        return exercise_version(self.folder)

    @property
    def max_points(self) -> float | None:
        """The exercise's declared total (``points`` in exercise.toml), if it declares one."""
        return self.declared_points

    def matches(self, name: str) -> bool:
        return name in (self.id, self.short_id)


# Files whose content decides a grade; helper modules beside the checks (``*.py`` other than
# the learner-facing ones) count too, since checks import them.
_LEARNER_FILES = {"solution.py", "starter.py"}


def exercise_version(folder: Path) -> str:
    """``sha256:<first 16 hex digits>`` over exercise.toml, setup.py and the check modules."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).glob("*")):
        if path.name == "exercise.toml" or (path.suffix == ".py" and path.name not in _LEARNER_FILES):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()[:16]


def _read_optional(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _load_mutant(path: Path) -> Mutant:
    first_line = path.read_text(encoding="utf-8").splitlines()[:1]
    if not first_line or not first_line[0].startswith(MUTANT_NOTE_PREFIX):
        raise SpecError(path, f"a mutant must start with a line `{MUTANT_NOTE_PREFIX} <the mistake it makes>`")
    return Mutant(name=path.stem, path=path, note=first_line[0][len(MUTANT_NOTE_PREFIX):].strip())


def load_exercise(folder: Path) -> Exercise:
    """Parse and validate one exercise folder; raise :class:`SpecError` naming the fix."""
    folder = Path(folder)
    toml_path = folder / "exercise.toml"
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(folder, "no exercise.toml in this folder") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(toml_path, f"not valid TOML: {exc}") from None

    unknown = set(data) - _KNOWN_KEYS
    if unknown:
        raise SpecError(toml_path, f"unknown keys {sorted(unknown)}; allowed: {sorted(_KNOWN_KEYS)}")
    for key in ("id", "short_id", "title"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise SpecError(toml_path, f"`{key}` must be a non-empty string")
    for key in ("id", "short_id"):
        if not _ID_PATTERN.match(data[key]):
            raise SpecError(toml_path, f"`{key}` = {data[key]!r}: use lower-case letters, digits and '-'")
    if data["id"] != folder.name:
        raise SpecError(toml_path, f"`id` is {data['id']!r} but the folder is named {folder.name!r}; make them equal")
    for required in ("solution.py", "checks.py"):
        if not (folder / required).is_file():
            raise SpecError(folder, f"missing {required}")
    time_limit = data.get("time_limit", 20.0)
    if not isinstance(time_limit, (int, float)) or time_limit <= 0:
        raise SpecError(toml_path, "`time_limit` must be a positive number of seconds")
    budget = data.get("budget", {})
    if not isinstance(budget, dict):
        raise SpecError(toml_path, "`budget` must be a table")
    for key in ("order", "seed"):
        if key in data and (not isinstance(data[key], int) or isinstance(data[key], bool)):
            raise SpecError(toml_path, f"`{key}` must be a whole number, not {data[key]!r}")
    if "seed_cell" in data and not isinstance(data["seed_cell"], bool):
        raise SpecError(toml_path, "`seed_cell` must be true or false")
    requires = data.get("requires", [])
    hints = data.get("hints", [])
    if not isinstance(requires, list) or not isinstance(hints, list) or not all(
        isinstance(x, str) for x in [*requires, *hints]
    ):
        raise SpecError(toml_path, "`requires` and `hints` must be lists of strings, e.g. requires = [\"Model\"]")
    points = data.get("points")
    if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0):
        raise SpecError(toml_path, f"`points` must be a positive number (the exercise's total), not {points!r}")
    return Exercise(
        id=data["id"],
        short_id=data["short_id"],
        title=data["title"].strip(),
        folder=folder,
        order=int(data.get("order", 1000)),
        summary=str(data.get("summary", "")).strip(),
        time_limit=float(time_limit),
        seed=int(data.get("seed", 42)),
        seed_cell=bool(data.get("seed_cell", True)),
        requires=tuple(requires),
        budget=MappingProxyType(dict(budget)),
        general_hints=tuple(hints),
        declared_points=None if points is None else float(points),
    )
