"""Grade-cell mode: what a grade cell of a ``tfgrade assign`` notebook does once tfgrade is loaded.

:func:`grade_here` grades what the notebook's cells defined, against the installed checks
(visible ones, or the hidden ones in a hidden-tests cell), with every stderr write kept out
of the cell (:mod:`.quiet`), shows the results card as static HTML, and returns the points
earned, which the cell's last expression hands to nbgrader (``determine_grade`` takes a
numeric ``execute_result`` in [0, points] as the cell's score). It never ends silent: it
returns a number or raises, since nbgrader gives a grade cell without output full points.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import TfgradeError
from ..integrity import DEEP, Baseline
from ..patching import environ_set
from ..report import Diagnostic, Report
from ..spec import Exercise, load_exercise
from . import guard
from .fingerprint import hidden_digest, visible_digest
from .quiet import captured_diagnostics, stderr_kept_out

__all__ = ["grade_here", "PARTS", "initial_environment"]

PARTS = ("visible", "hidden")
_COPIED_SUFFIXES = (".toml", ".py", ".json", ".csv", ".txt", ".npz", ".npy")


def initial_environment() -> dict[str, str]:
    """The kernel's environment as it started, which a cell's ``os.environ[...] = ...`` does not
    change (Linux: ``/proc/self/environ``); elsewhere the environment as it is now."""
    try:
        raw = Path("/proc/self/environ").read_bytes()
    except OSError:
        return dict(os.environ)
    pairs = (entry.partition(b"=") for entry in raw.split(b"\0") if b"=" in entry)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, _, v in pairs}


@contextmanager
def _hidden_only(exercise: Exercise) -> Iterator[Exercise]:
    """The exercise with its visible checks emptied, so only ``hidden_checks.py`` runs."""
    with tempfile.TemporaryDirectory(prefix="tfgrade-hidden-") as tmp:
        view = Path(tmp) / exercise.id
        view.mkdir()
        for path in exercise.folder.iterdir():
            if path.is_file() and path.suffix in _COPIED_SUFFIXES and path.name != "checks.py":
                shutil.copy2(path, view / path.name)
        (view / "checks.py").write_text("# this run grades the hidden checks only\n", encoding="utf-8")
        yield load_exercise(view)


def _refreshed(value: Any) -> Any:
    """``value`` rebuilt from this load of tfgrade's classes.

    Observations recorded by the answer cell are objects of the tfgrade modules loaded before
    this grade cell dropped them; code that asks ``isinstance(x, DeviceObservation)`` would
    not recognise them.
    """
    if isinstance(value, (list, tuple)):
        return type(value)(_refreshed(v) for v in value)
    if isinstance(value, dict):
        return {k: _refreshed(v) for k, v in value.items()}
    cls = type(value)
    if not dataclasses.is_dataclass(value) or not cls.__module__.startswith("tfgrade."):
        return value
    fresh = importlib.import_module(cls.__module__)
    for part in cls.__qualname__.split("."):
        fresh = getattr(fresh, part, None)
    target = fresh if isinstance(fresh, type) and dataclasses.is_dataclass(fresh) else cls
    fields = {f.name: _refreshed(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    return target(**fields)


def _recorded_observations(shell: Any, exercise_id: str) -> Any:
    """What probes saw while the answer cell ran under ``%%tfanswer`` (or ``%%tfcheck``)."""
    registry = getattr(getattr(shell, "magics_manager", None), "registry", {}) or {}
    answer = registry.get("TfanswerMagics")
    found = getattr(answer, "observations", {}).get(exercise_id) if answer is not None else None
    if found is None and registry.get("TfcheckMagics") is not None:
        session = getattr(registry["TfcheckMagics"], "session", None)
        found = getattr(session, "last_observations", {}).get(exercise_id)
    if found is None:
        return None
    try:
        return _refreshed(found)
    except Exception:   # an observation type that cannot be rebuilt: the recorded object still reads
        return found


def _changed_checks_note(exercise: Exercise, part: str, recorded: str, installed: str | None) -> Diagnostic:
    return Diagnostic(
        kind="checks-changed", severity="warning", source="checks",
        message=f"The {part} checks of {exercise.id} changed since this assignment was generated "
                f"(the grade cell was written for {recorded}, the installed checks are {installed}); "
                "this grade comes from the installed checks.",
        fix="Regenerate the assignment with `tfgrade assign` if the change was not meant for this course.",
    )


def _grade(exercise_id: str, part: str, digest: str, namespace: Any, shell: Any) -> Report:
    from ..catalog import get_exercise
    from ..config import load_settings
    from ..engine import grade

    environ = initial_environment()
    with environ_set({name: environ.get(name) for name in ("TFGRADE_EXERCISES", "TFGRADE_DATA")}):
        # Settings come from the kernel's starting environment only: a cell can rewrite
        # os.environ, and the notebook's folder (where a tfgrade.toml could sit) is the learner's.
        settings = load_settings(environ=environ, folder=Path(__file__).parent, include_hidden=part == "hidden",
                                 widget=False)
        exercise = get_exercise(exercise_id, settings=settings)
        observations = _recorded_observations(shell, exercise.id)
        if part == "hidden":
            installed = hidden_digest(exercise)
            if installed is None:
                raise TfgradeError(
                    f"tfgrade: the hidden checks of {exercise.id} are not installed where this notebook is graded; "
                    "point TFGRADE_EXERCISES at the course's exercise folders (with hidden_checks.py) and autograde again."
                )
            with _hidden_only(exercise) as view:
                report = grade(view, namespace, observations=observations, settings=settings)
        else:
            installed = visible_digest(exercise)
            report = grade(exercise, namespace, observations=observations, settings=settings)
    notes = [] if installed == digest else [_changed_checks_note(exercise, part, digest, installed)]
    return dataclasses.replace(report, exercise=exercise.id, exercise_version=exercise.version,
                               diagnostics=(*report.diagnostics, *notes))


def _points_earned(report: Report, points: float) -> float:
    """The report's score on the cell's scale, within [0, points]."""
    if report.max_score <= 0 or not math.isfinite(report.score):
        return 0.0
    earned = report.score if report.max_score == points else report.score * points / report.max_score
    return round(min(max(earned, 0.0), points), 4)


def _refuse(message: str) -> None:
    """Fail loudly on three channels: the kernel's stderr stream, file descriptor 2 (which
    ipykernel forwards to the notebook), and an error. nbgrader scores any of them 0."""
    text = f"tfgrade: no score: {message}\n"
    for write in (lambda: (sys.stderr.write(text), sys.stderr.flush()), lambda: os.write(2, text.encode())):
        try:
            write()
        except Exception:   # a broken stream must not stop the error below
            pass
    raise guard.Tampered(text.strip())


def _listed(items: list[str], limit: int, separator: str) -> str:
    """The first ``limit`` items, and how many more there are."""
    more = len(items) - limit
    return separator.join(items[:limit]) + (f"{separator}and {more} more" if more > 0 else "")


def _fresh_grading_code() -> Baseline:
    """tfgrade, pytest and pluggy as this cell loaded them, with everything grading will use imported."""
    import pytest  # noqa: F401 - loaded now, so that it is part of what is recorded

    from .. import catalog, config, engine, pytest_plugin  # noqa: F401
    from ..render import bundle  # noqa: F401

    return Baseline(roots=DEEP)


def grade_here(exercise_id: str, part: str, digest: str, points: float) -> float:
    """Grade the notebook's namespace for one grade cell; return the points earned."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, not {part!r}")
    points = float(points)
    shell = guard.current_shell()
    namespace = shell.user_ns if shell is not None else sys.modules["__main__"].__dict__
    # The checks call the learner's code (a layer's call(), a loss), which could change the
    # freshly loaded grading code while it grades: record it first, and put it back and name
    # what changed before anything below trusts it.
    put_back_grading_code = _fresh_grading_code().restore
    with stderr_kept_out() as captured:
        report = _grade(exercise_id, part, digest, namespace, shell)
        changed = put_back_grading_code()
        findings = guard.library_findings() + guard.output_path_findings(shell) + guard.concurrency_findings()
    if changed:
        findings = [f"code run by the checks changed the grading code while it graded ({_listed(changed, 3, ', ')})",
                    *findings]
    report = dataclasses.replace(report, diagnostics=(*report.diagnostics, *captured_diagnostics(captured)))
    if findings:
        _refuse(f"the notebook's code changed what grading relies on ({_listed(findings, 5, '; ')}).")
    earned = _points_earned(report, points)
    try:
        guard.check_score_display(earned, shell)
    except guard.Tampered as exc:
        _refuse(str(exc))
    from IPython.display import display

    from ..render.bundle import static_bundle

    display(static_bundle(report), raw=True)
    if any(c.id == "checks-module" for c in report.checks):
        raise TfgradeError(f"tfgrade: the checks of {exercise_id} could not be loaded; see the card above.")
    return earned
