"""How many points an exercise's visible and hidden checks are worth, read as pytest reads them.

The checks are collected (not run) with the same pytest set-up grading uses
(``engine.collect_checks``), so ``points`` markers, default points and parametrised checks
count exactly as in a Report.
"""

from __future__ import annotations

from ..errors import SpecError
from ..spec import Exercise

__all__ = ["check_points"]


def check_points(exercise: Exercise) -> tuple[float, float]:
    """``(visible, hidden)`` points of ``exercise``'s checks."""
    from ..engine import collect_checks

    checks, errors = collect_checks(exercise, include_hidden=True)
    if errors:
        raise SpecError(exercise.folder, f"its checks could not be collected: {errors[0]}")
    visible = sum(c.points for c in checks if not c.hidden)
    hidden = sum(c.points for c in checks if c.hidden)
    if visible <= 0:
        raise SpecError(exercise.checks_path, "checks.py defines no checks; an nbgrader grade cell needs some")
    return visible, hidden
