"""How many points an exercise's visible and hidden checks are worth, read as pytest reads them.

The checks are collected (not run) with the same pytest arguments grading uses, so
``points`` markers, default points and parametrised checks count exactly as in a Report.
"""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stdout

from ..errors import SpecError
from ..pytest_plugin import MARKERS
from ..spec import Exercise

__all__ = ["check_points"]


class _Collector:
    def __init__(self) -> None:
        self.points: list[tuple[bool, float]] = []
        self.errors: list[str] = []

    def pytest_configure(self, config) -> None:
        for name, text in MARKERS.items():
            config.addinivalue_line("markers", f"{name}: {text}")

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.errors.append(str(report.longrepr).strip().splitlines()[-1])

    def pytest_collection_modifyitems(self, items) -> None:
        for item in items:
            marker = item.get_closest_marker("points")
            self.points.append((item.path.name.startswith("hidden_"), float(marker.args[0]) if marker else 1.0))


def check_points(exercise: Exercise) -> tuple[float, float]:
    """``(visible, hidden)`` points of ``exercise``'s checks."""
    import pytest

    from ..engine import _check_module_names_free, _drop_modules_under, _isolated_pytest_env, _pytest_args

    collector = _Collector()
    sys.path.insert(0, str(exercise.folder))
    try:
        with _isolated_pytest_env(), _check_module_names_free(), redirect_stdout(io.StringIO()):
            _drop_modules_under(exercise.folder)
            pytest.main([*_pytest_args(exercise, include_hidden=True), "--collect-only"], plugins=[collector])
    finally:
        if str(exercise.folder) in sys.path:
            sys.path.remove(str(exercise.folder))
        _drop_modules_under(exercise.folder)
    if collector.errors:
        raise SpecError(exercise.folder, f"its checks could not be collected: {collector.errors[0]}")
    visible = sum(p for hidden, p in collector.points if not hidden)
    hidden = sum(p for hidden, p in collector.points if hidden)
    if visible <= 0:
        raise SpecError(exercise.checks_path, "checks.py defines no checks; an nbgrader grade cell needs some")
    return visible, hidden
