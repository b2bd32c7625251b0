"""Settings, resolved as: defaults < ``tfgrade.toml`` in the working folder < environment < per-call arguments.

Environment variables: ``TFGRADE_HIDDEN`` (1 to run hidden checks), ``TFGRADE_TIME_SCALE``
(multiplies every check's time limit), ``TFGRADE_PROBES`` (comma list, or ``none``),
``TFGRADE_WIDGET`` (0 to display the static card only), ``TFGRADE_DATA`` (course data folder),
``TFGRADE_OFFLINE`` (1: never download datasets).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

__all__ = ["Settings", "ALL_PROBES", "load_settings"]

ALL_PROBES = ("output", "tracing", "devices", "optimizers", "datasets")   # names a user may ask for
PROJECT_FILE = "tfgrade.toml"


@dataclass(frozen=True)
class Settings:
    include_hidden: bool = False
    time_scale: float = 1.0
    probes: tuple[str, ...] | None = None   # None: every registered probe
    widget: bool = True
    seed: int | None = None            # None: the exercise's own seed
    data_dir: str | None = None
    offline: bool = False              # never try to download datasets (the stand-in serves instead)
    extra_exercise_dirs: tuple[str, ...] = field(default_factory=tuple)

    def probe_names(self) -> tuple[str, ...]:
        from .probes import PROBE_MODULES

        wanted = ALL_PROBES if self.probes is None else self.probes
        return tuple(p for p in wanted if p in PROBE_MODULES)

    def updated(self, **overrides: Any) -> "Settings":
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **clean)


def _parse_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _parse_probes(value: str) -> tuple[str, ...]:
    if value.strip().lower() in {"", "none", "off"}:
        return ()
    names = tuple(p.strip() for p in value.split(",") if p.strip())
    unknown = set(names) - set(ALL_PROBES)
    if unknown:
        raise ValueError(f"unknown probes {sorted(unknown)}; known: {', '.join(ALL_PROBES)}")
    return names


_ENV = {
    "TFGRADE_HIDDEN": ("include_hidden", _parse_bool),
    "TFGRADE_TIME_SCALE": ("time_scale", float),
    "TFGRADE_PROBES": ("probes", _parse_probes),
    "TFGRADE_WIDGET": ("widget", _parse_bool),
    "TFGRADE_SEED": ("seed", int),
    "TFGRADE_DATA": ("data_dir", str),
    "TFGRADE_OFFLINE": ("offline", _parse_bool),
}


def _from_project_file(folder: Path) -> dict[str, Any]:
    path = folder / PROJECT_FILE
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8")).get("tfgrade", {})
    known = {f.name for f in fields(Settings)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{path}: unknown settings {sorted(unknown)}; known: {sorted(known)}")
    if "probes" in data:
        if not isinstance(data["probes"], list):
            raise ValueError(f"{path}: `probes` must be a list of names, e.g. probes = [\"tracing\"]")
        data["probes"] = _parse_probes(",".join(data["probes"])) if data["probes"] else ()
    if "extra_exercise_dirs" in data:
        data["extra_exercise_dirs"] = tuple(data["extra_exercise_dirs"])
    return data


def load_settings(
    environ: Mapping[str, str] | None = None, folder: Path | None = None, **overrides: Any
) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = _from_project_file(folder or Path.cwd())
    for var, (name, parse) in _ENV.items():
        if environ.get(var) not in (None, ""):
            try:
                values[name] = parse(environ[var])
            except ValueError as exc:
                raise ValueError(f"{var}={environ[var]!r}: {exc}") from None
    settings = Settings(**values).updated(**overrides)
    if settings.time_scale <= 0:
        raise ValueError(f"the time scale must be a positive number, not {settings.time_scale:g}")
    return settings
