"""Settings, resolved as: defaults < ``tfgrade.toml`` in the working folder < environment < per-call arguments.

This is the only module that reads ``tfgrade.toml`` and ``TFGRADE_*``; every other module
receives a :class:`Settings`. Each setting, its ``[tfgrade]`` key, its environment variable
and its type are listed once, in ``SETTINGS_DOC`` below (README.md's settings table follows it).
A bad value anywhere is a :class:`SettingsError`: one line naming where it came from
(file and key, variable, or keyword), what was found and what is expected.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

from .errors import TfgradeError
from .probes import PROBE_MODULES

__all__ = ["Settings", "SettingsError", "ALL_PROBES", "SETTINGS_DOC", "load_settings", "PROJECT_FILE"]

ALL_PROBES = tuple(PROBE_MODULES)   # names a user may ask for: the registered probes
PROJECT_FILE = "tfgrade.toml"


class SettingsError(TfgradeError, ValueError):
    """A setting has a value of the wrong type or range (a usage error, never a traceback)."""


@dataclass(frozen=True)
class Settings:
    include_hidden: bool = False
    time_scale: float = 1.0
    probes: tuple[str, ...] | None = None   # None: every registered probe
    widget: bool = True
    seed: int | None = None            # None: the exercise's own seed
    data_dir: str | None = None
    offline: bool = False              # never download datasets (course data or the stand-in serve)
    # Course folders (each holds exercise folders): TFGRADE_EXERCISES first, then tfgrade.toml's.
    extra_exercise_dirs: tuple[str, ...] = field(default_factory=tuple)

    def probe_names(self) -> tuple[str, ...]:
        wanted = ALL_PROBES if self.probes is None else self.probes
        return tuple(p for p in wanted if p in PROBE_MODULES)

    def updated(self, **overrides: Any) -> "Settings":
        """A copy with ``overrides`` (None means "not given"), each checked like a keyword of :func:`load_settings`."""
        clean = {k: _coerce(k, v, f"keyword `{k}`", text=False) for k, v in overrides.items() if v is not None}
        return replace(self, **clean)


# -- one parser per setting: (value, is_text) -> typed value, or raise ValueError("expected ...") --
def _bool(value: Any, text: bool) -> bool:
    if isinstance(value, bool):
        return value
    if text and isinstance(value, str):
        word = value.strip().lower()
        if word in {"1", "true", "yes", "on"}:
            return True
        if word in {"0", "false", "no", "off"}:
            return False
    raise ValueError("expected true or false" + (" (1/0, yes/no, on/off)" if text else ""))


def _positive_number(value: Any, text: bool) -> float:
    if text and isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError("expected a positive number, e.g. 2 or 0.5") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError("expected a positive number, e.g. 2 or 0.5")
    return float(value)


def _whole_number(value: Any, text: bool) -> int:
    if text and isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValueError("expected a whole number, e.g. 42") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number, e.g. 42")
    return value


def _probes(value: Any, text: bool) -> tuple[str, ...]:
    if text and isinstance(value, str):
        if value.strip().lower() in {"", "none", "off"}:
            return ()
        value = [p.strip() for p in value.split(",") if p.strip()]
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise ValueError(f"expected a list of probe names from {', '.join(ALL_PROBES)}, e.g. [\"tracing\"]")
    unknown = [p for p in value if p not in ALL_PROBES]
    if unknown:
        raise ValueError(f"unknown probes {unknown}; known: {', '.join(ALL_PROBES)}")
    return tuple(value)


def _text(value: Any, text: bool) -> str:
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise ValueError("expected a folder path (a non-empty string)")
    return str(value)


def _folders(value: Any, text: bool) -> tuple[str, ...]:
    if text and isinstance(value, str):
        return tuple(p for p in value.split(os.pathsep) if p)
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list) or not all(isinstance(p, (str, os.PathLike)) and str(p) for p in value):
        raise ValueError("expected a list of folder paths, e.g. [\"course/exercises\"]")
    return tuple(str(p) for p in value)


_PARSERS: dict[str, Callable[[Any, bool], Any]] = {
    "include_hidden": _bool, "time_scale": _positive_number, "probes": _probes, "widget": _bool,
    "seed": _whole_number, "data_dir": _text, "offline": _bool, "extra_exercise_dirs": _folders,
}

# setting -> (environment variable, what it does); README.md's settings table says the same.
SETTINGS_DOC: dict[str, tuple[str, str]] = {
    "include_hidden": ("TFGRADE_HIDDEN", "also run hidden (grader-only) checks; true/false"),
    "time_scale": ("TFGRADE_TIME_SCALE", "multiply every check's time limit; a positive number"),
    "probes": ("TFGRADE_PROBES", "which probes watch the cell; a list (env: comma list, or none)"),
    "widget": ("TFGRADE_WIDGET", "show the live widget card; false: static card only"),
    "seed": ("TFGRADE_SEED", "seed for the cell and checks instead of the exercise's own; whole number"),
    "data_dir": ("TFGRADE_DATA", "folder with Fashion-MNIST's four IDX .gz files"),
    "offline": ("TFGRADE_OFFLINE", "never download datasets; true/false"),
    "extra_exercise_dirs": ("TFGRADE_EXERCISES", "course folders of exercise folders; a list (env: os.pathsep-separated)"),
}
_ENV = {var: name for name, (var, _) in SETTINGS_DOC.items()}


def _coerce(name: str, value: Any, where: str, *, text: bool) -> Any:
    parse = _PARSERS.get(name)
    if parse is None:
        raise SettingsError(f"{where}: no such setting; known: {', '.join(_PARSERS)}")
    try:
        return parse(value, text)
    except ValueError as exc:
        raise SettingsError(f"{where} = {value!r}: {exc}") from None


def _from_project_file(folder: Path) -> dict[str, Any]:
    path = folder / PROJECT_FILE
    if not path.is_file():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from None
    if not isinstance(document.get("tfgrade"), dict):
        raise SettingsError(f"{path}: no [tfgrade] table; put the settings under a line `[tfgrade]`")
    values = {}
    for key, value in document["tfgrade"].items():
        if key not in _PARSERS:
            raise SettingsError(f"{path}: unknown setting `{key}`; known: {', '.join(_PARSERS)}")
        values[key] = _coerce(key, value, f"{path}: `{key}`", text=False)
    if "extra_exercise_dirs" in values:      # relative folders are relative to the file, not the shell
        values["extra_exercise_dirs"] = tuple(str((folder / p).resolve()) for p in values["extra_exercise_dirs"])
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, folder: Path | None = None, **overrides: Any
) -> Settings:
    """The settings in effect: ``folder``'s tfgrade.toml (default: the working folder), then
    ``environ`` (default: ``os.environ``), then ``overrides`` (keywords named like the fields of
    :class:`Settings`; None means "not given"). Raises :class:`SettingsError` on a bad value."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = _from_project_file(Path(folder) if folder is not None else Path.cwd())
    for var, name in _ENV.items():
        raw = environ.get(var)
        if raw is None or raw == "":
            continue
        parsed = _coerce(name, raw, var, text=True)
        if name == "extra_exercise_dirs":     # the environment's course folders come first
            parsed = (*parsed, *values.get(name, ()))
        values[name] = parsed
    unknown = sorted(set(overrides) - set(_PARSERS))
    if unknown:
        raise SettingsError(f"unknown setting keyword(s) {', '.join(unknown)}; known: {', '.join(_PARSERS)}")
    return Settings(**values).updated(**overrides)

