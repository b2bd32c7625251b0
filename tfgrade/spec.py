"""The exercise spec: frozen dataclasses parsed from ``exercises/<id>/exercise.toml``.

The folder format is documented for instructors in ``exercises/README.md``.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import SpecError

__all__ = ["Exercise", "Mutant", "load_exercise", "exercise_version", "MUTANT_NOTE_PREFIX", "CAUGHT_BY_PREFIX",
           "KNOWN_KEYS"]

MUTANT_NOTE_PREFIX = "# mistake:"
CAUGHT_BY_PREFIX = "# caught-by:"
ID_PATTERN = _ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KNOWN_KEYS = _KNOWN_KEYS = {
    "id", "short_id", "title", "order", "points_note", "time_limit", "seed", "seed_cell",
    "budget", "requires", "summary", "hints", "points",
}


@dataclass(frozen=True)
class Mutant:
    """A known-wrong solution that the checks must reject."""

    name: str
    path: Path
    note: str
    # Check function names (``check_...``) that must fail for this mutant: its `# caught-by:` line.
    caught_by: tuple[str, ...] = ()
    caught_by_line: int | None = None     # where that line is (None: the header has none)

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
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(path, f"cannot be read ({exc})") from None
    if not lines or not lines[0].startswith(MUTANT_NOTE_PREFIX):
        raise SpecError(f"{path}:1", f"a mutant must start with a line `{MUTANT_NOTE_PREFIX} <the mistake it makes>`, "
                        f"then `{CAUGHT_BY_PREFIX} check_name[, check_other]`")
    caught_by: tuple[str, ...] = ()
    caught_by_line = None
    for number, line in enumerate(lines[1:], start=2):    # the leading comment block is the header
        if not line.startswith("#"):
            break
        if line.startswith(CAUGHT_BY_PREFIX):
            caught_by = tuple(n.strip() for n in line[len(CAUGHT_BY_PREFIX):].split(",") if n.strip())
            caught_by_line = number
    return Mutant(name=path.stem, path=path, note=lines[0][len(MUTANT_NOTE_PREFIX):].strip(),
                  caught_by=caught_by, caught_by_line=caught_by_line)


def _key_line(text: str, key: str) -> int | None:
    match = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


class _Toml:
    """exercise.toml's text and data, for errors that name the line of the key they are about."""

    def __init__(self, path: Path, text: str, data: dict[str, Any]) -> None:
        self.path, self.text, self.data = path, text, data

    def error(self, key: str | None, message: str) -> SpecError:
        line = _key_line(self.text, key) if key else None
        return SpecError(f"{self.path}:{line}" if line else self.path, message)


def _read_toml(folder: Path) -> _Toml:
    toml_path = folder / "exercise.toml"
    try:
        text = toml_path.read_text(encoding="utf-8")
        return _Toml(toml_path, text, tomllib.loads(text))
    except FileNotFoundError:
        raise SpecError(folder, "no exercise.toml in this folder; `tfgrade new ID` writes a complete one") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(toml_path, f"cannot be read ({type(exc).__name__}: {exc})") from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        where = f"{toml_path}:{line}" if line else toml_path
        raise SpecError(where, f"not valid TOML: {exc}; strings need quotes, e.g. title = \"My exercise\"") from None


def _line_from_message(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def _number(toml: _Toml, key: str, default: float, *, whole: bool = False, positive: bool = False) -> Any:
    value = toml.data.get(key, default)
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value) or (positive and value <= 0):
        wanted = "a whole number" if whole else "a positive number" if positive else "a number"
        example = {"time_limit": "time_limit = 20", "points": "points = 10"}.get(key, f"{key} = 1")
        raise toml.error(key, f"`{key}` must be {wanted}{' of seconds' if key == 'time_limit' else ''}, "
                              f"not {value!r}; e.g. {example}")
    return value


def _string_list(toml: _Toml, key: str, example: str) -> tuple[str, ...]:
    value = toml.data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        raise toml.error(key, f"`requires` and `hints` must be lists of strings: `{key}` = {value!r}; "
                              f"write e.g. {key} = {example}")
    return tuple(value)


def load_exercise(folder: Path) -> Exercise:
    """Parse and validate one exercise folder; raise :class:`SpecError` naming the file, line and fix."""
    folder = Path(folder)
    toml = _read_toml(folder)
    data = toml.data
    for key in sorted(set(data) - _KNOWN_KEYS):
        close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1)
        instead = f"did you mean `{close[0]}`? " if close else ""
        raise toml.error(key, f"unknown keys ['{key}']: {instead}allowed: {sorted(_KNOWN_KEYS)}")
    for key in ("id", "short_id", "title"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            missing = key not in data
            raise toml.error(None if missing else key, f"`{key}` must be a non-empty string" + (
                f" (it is missing): add a line {key} = \"...\"" if missing else f", not {data[key]!r}"))
    for key in ("id", "short_id"):
        if not _ID_PATTERN.match(data[key]):
            raise toml.error(key, f"`{key}` = {data[key]!r}: use lower-case letters, digits and '-', e.g. \"c01-scaling\"")
    if data["id"] != folder.name:
        raise toml.error("id", f"`id` is {data['id']!r} but the folder is named {folder.name!r}; make them equal")
    for required in ("solution.py", "checks.py"):
        if not (folder / required).is_file():
            raise SpecError(folder, f"missing {required}; `tfgrade new ID` shows a complete folder")
    time_limit = _number(toml, "time_limit", 20.0, positive=True)
    budget = data.get("budget", {})
    if not isinstance(budget, dict):
        raise toml.error("budget", "`budget` must be a table: write it as a section `[budget]` at the end")
    order = _number(toml, "order", 1000, whole=True)
    seed = _number(toml, "seed", 42, whole=True)
    if not isinstance(data.get("seed_cell", True), bool):
        raise toml.error("seed_cell", "`seed_cell` must be true or false")
    if not isinstance(data.get("summary", ""), str):
        raise toml.error("summary", "`summary` must be a string (one line for listings)")
    requires = _string_list(toml, "requires", '["Model"]')
    hints = _string_list(toml, "hints", '["A nudge about the whole exercise."]')
    if "hints" in data and not hints:
        raise toml.error("hints", "`hints` is an empty list: give at least one hint, or leave the key out")
    points = _number(toml, "points", 1, positive=True) if "points" in data else None
    return Exercise(
        id=data["id"],
        short_id=data["short_id"],
        title=data["title"].strip(),
        folder=folder,
        order=int(order),
        summary=str(data.get("summary", "")).strip(),
        time_limit=float(time_limit),
        seed=int(seed),
        seed_cell=bool(data.get("seed_cell", True)),
        requires=requires,
        budget=MappingProxyType(dict(budget)),
        general_hints=hints,
        declared_points=None if points is None else float(points),
    )
