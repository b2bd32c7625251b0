"""tfgrade's pytest plugin: what exercise checks receive, and how their outcomes are read.

Fixtures available to every check:

``learner``       the learner's namespace (:class:`LearnerNamespace`): after a cell, only the names that
                  run of the cell defined and the exercise's setup names
``observations``  what probes saw while the cell ran (:class:`~tfgrade.observations.Observations`)
``rng``           a ``numpy.random.Generator`` seeded per check (same code, same verdict)
``exercise``      the :class:`~tfgrade.spec.Exercise` being graded
``advise``        ``advise(message, fix="")`` records advice in the report; costs no points

Markers: ``points(n)``, ``hints("nudge", ..., "nearly the answer")``, ``needs("Name", ...)``,
``time_limit(seconds)``, ``after("check_x", ...)``. A check's title is the first line of its docstring.

The maximum never shrinks: every collected check ends with a result, even when the learner's
code raises ``KeyboardInterrupt`` / ``SystemExit`` / ``pytest.exit`` (an error of that check),
the learner presses Stop (the checks not finished count as lost), or a check cannot be stopped.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, MutableMapping

import numpy as np
import pytest
from _pytest.outcomes import Exit

from .check_results import (KERNEL_STUCK, STOPPED, assertion_message, error_message, not_run_after,
                            one_message_per_cause, timeout_message)
from .error_text import exception_message, safe_text
from .errors import CheckTimeout
from .learner_namespace import LearnerNamespace, MissingLearnerName, NotReached
from .observations import Observations
from .report import CheckResult, Diagnostic
from .spec import Exercise
from .timelimit import TimeLimit

__all__ = ["LearnerNamespace", "MissingLearnerName", "GradingContext", "TfgradePlugin", "MARKERS", "LearnerAbort"]

MARKERS = {
    "points": "points(n): points the check is worth (default 1)",
    "hints": "hints(*texts): hints revealed one at a time, from a nudge to nearly the answer",
    "needs": "needs(*names): learner names the check reads; missing ones skip or fail it",
    "time_limit": "time_limit(seconds): this check's own time limit",
    "after": "after(*check_names): run only when those checks passed; else skipped with a pointer to them",
}
_CHECK_PREFIXES = ("check_", "test_")
_ENDS_A_RUN = (KeyboardInterrupt, SystemExit, Exit)


class LearnerAbort(Exception):
    """Learner code raised something that would end the whole run (KeyboardInterrupt, SystemExit,
    pytest.exit): carried as an ordinary error of the check that ran it."""

    def __init__(self, original: BaseException) -> None:
        self.original = original
        super().__init__(type(original).__name__)


@dataclass
class GradingContext:
    exercise: Exercise
    namespace: MutableMapping[str, Any]
    observations: Observations
    seed: int
    time_scale: float = 1.0
    on_progress: Callable[[str, int, int], None] | None = None
    advice: list[Diagnostic] = field(default_factory=list)
    setup_names: frozenset[str] = frozenset()
    not_graded: str | None = None         # a reason not to run any check (the cell did not parse)
    on_stuck: Callable[[list[CheckResult]], None] | None = None   # called from the watchdog thread


def check_id(name: str) -> str:
    for prefix in _CHECK_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _title(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None)
    if doc and doc.strip():
        return doc.strip().splitlines()[0].strip()
    return check_id(item.name).replace("_", " ").capitalize()


def _marker_args(item: pytest.Item, name: str) -> tuple[Any, ...]:
    marker = item.get_closest_marker(name)
    return tuple(marker.args) if marker else ()


def _is_hidden(item: pytest.Item) -> bool:
    return item.path.name.startswith("hidden_")


class TfgradePlugin:
    """Passed to ``pytest.main(plugins=[...])``: provides fixtures, enforces limits, collects results."""

    def __init__(self, context: GradingContext) -> None:
        self.context = context
        self.collection_errors: list[str] = []
        self.stop_reason: str | None = None     # set by a real Stop, or when a check cannot be stopped
        self._items: list[pytest.Item] = []
        self._records: dict[str, dict[str, Any]] = {}
        self._results: dict[str, CheckResult] = {}
        self._causes: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    # -- results ---------------------------------------------------------------
    @property
    def collected(self) -> bool:
        return bool(self._items)

    @property
    def results(self) -> list[CheckResult]:
        """One result per collected check, in collection order; checks that never finished are lost."""
        with self._lock:
            done = dict(self._results)
        reason = self.stop_reason or STOPPED
        ordered = [done.get(item.nodeid) or self._not_run(item, reason) for item in self._items]
        return one_message_per_cause(ordered, self._causes)

    def stop(self, reason: str) -> None:
        """No further check runs (a real Stop); the ones left count as lost with ``reason``."""
        if self.stop_reason is None:
            self.stop_reason = reason

    def _not_run(self, item: pytest.Item, reason: str, status: str = "skip") -> CheckResult:
        return CheckResult(id=check_id(item.name), title=_title(item), status=status,  # type: ignore[arg-type]
                           points=0.0,
                           max_points=self._points(item), message=reason, hidden=_is_hidden(item),
                           hints=tuple(str(h) for h in _marker_args(item, "hints")))

    @staticmethod
    def _points(item: pytest.Item) -> float:
        return float((_marker_args(item, "points") or (1,))[0])

    # -- configuration -------------------------------------------------------
    def pytest_configure(self, config: pytest.Config) -> None:
        for name, text in MARKERS.items():
            config.addinivalue_line("markers", f"{name}: {text}" if not text.startswith(name) else text)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self._items = list(items)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(str(report.longrepr))

    # -- fixtures ------------------------------------------------------------
    def _learner(self) -> LearnerNamespace:
        return LearnerNamespace(self.context.namespace, self.context.observations, self.context.setup_names)

    @pytest.fixture
    def learner(self) -> LearnerNamespace:
        return self._learner()

    @pytest.fixture
    def observations(self) -> Observations:
        return self.context.observations

    @pytest.fixture
    def exercise(self) -> Exercise:
        return self.context.exercise

    @pytest.fixture
    def time_scale(self) -> float:
        """The grader's ``time_scale``: budgets a check enforces itself scale with it, like time limits."""
        return self.context.time_scale

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        # Per-check seed derived from the exercise seed and the check's name: order-independent.
        return np.random.default_rng([self.context.seed, *request.node.name.encode()])

    @pytest.fixture
    def advise(self) -> Callable[..., None]:
        def record(message: str, fix: str = "", kind: str = "advice", **details: Any) -> None:
            self.context.advice.append(
                Diagnostic(kind=kind, severity="advice", message=message, fix=fix, source="checks", details=details)
            )

        return record

    # -- running -------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
        reason = self.context.not_graded or self.stop_reason
        if reason is None:
            return None
        with self._lock:
            self._results.setdefault(item.nodeid, self._not_run(item, reason))
        return True

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        if self.context.on_progress is not None:
            index = next((i for i, it in enumerate(self._items) if it.nodeid == nodeid), 0)
            name = nodeid.rpartition("::")[2]
            self.context.on_progress(check_id(name), index, len(self._items))

    def _limit(self, item: pytest.Item) -> float:
        own = _marker_args(item, "time_limit")
        base = float(own[0]) if own else self.context.exercise.time_limit
        return base * self.context.time_scale

    def _limited(self, item: pytest.Item) -> Iterator[None]:
        """Run one phase of a check under its time limit; learner code that would end the
        whole run becomes this check's error, unless the learner really pressed Stop."""
        limit = TimeLimit(self._limit(item), on_stuck=lambda stuck: self._stuck(item, stuck))
        self._records[item.nodeid]["limit"] = limit
        try:
            with limit:
                return (yield)
        except _ENDS_A_RUN as exc:
            if self.stop_reason is not None:
                raise
            raise LearnerAbort(exc) from exc

    def _stuck(self, item: pytest.Item, limit: TimeLimit) -> None:
        """Watchdog thread: the check cannot be stopped; the card must still be true."""
        if self.stop_reason is not None:
            return
        result = self._timeout_result(item, limit, limit.elapsed)
        with self._lock:
            self._results[item.nodeid] = result
        self.stop(KERNEL_STUCK)
        if self.context.on_stuck is not None:
            self.context.on_stuck(self.results)

    def _unmet_prerequisite(self, item: pytest.Item) -> str | None:
        by_name = {it.name: it for it in self._items}
        for name in _marker_args(item, "after"):
            before = by_name.get(name) or by_name.get(f"check_{name}")
            result = self._results.get(before.nodeid) if before is not None else None
            if result is not None and result.status != "pass":
                return not_run_after(result.title)
        return None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Iterator[None]:
        self._records[item.nodeid] = {"started": time.perf_counter()}
        unmet = self._unmet_prerequisite(item)
        if unmet:
            raise NotReached(unmet)
        for name in _marker_args(item, "needs"):
            self._learner().require(name)
        return (yield from self._limited(item))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        return (yield from self._limited(item))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
        report = yield
        record = self._records.setdefault(item.nodeid, {"started": time.perf_counter()})
        if call.excinfo is not None and "exc" not in record:
            record["exc"] = call.excinfo.value
        if call.when == "teardown":
            result = self._result(item, record)
            with self._lock:
                self._results[item.nodeid] = result
        return report

    def _timeout_result(self, item: pytest.Item, limit: TimeLimit | None, elapsed: float | None) -> CheckResult:
        seconds = limit.seconds if limit is not None else self._limit(item)
        return CheckResult(
            id=check_id(item.name), title=_title(item), status="error", points=0.0, max_points=self._points(item),
            hidden=_is_hidden(item), hints=tuple(str(h) for h in _marker_args(item, "hints")),
            error_type="CheckTimeout", timed_out=True, duration=round(elapsed or 0.0, 4),
            message=timeout_message(limit, seconds, elapsed),
        )

    def _result(self, item: pytest.Item, record: dict[str, Any]) -> CheckResult:
        hidden = _is_hidden(item)
        points = self._points(item)
        common = dict(
            id=check_id(item.name), title=_title(item), max_points=points, hidden=hidden,
            hints=tuple(str(h) for h in _marker_args(item, "hints")),
            duration=round(time.perf_counter() - record["started"], 4),
        )
        exc = record.get("exc")
        if exc is None:
            return CheckResult(status="pass", points=points, **common)
        if isinstance(exc, (pytest.skip.Exception, NotReached)):
            return CheckResult(status="skip", points=0.0, message=safe_text(getattr(exc, "msg", None) or exc), **common)
        if isinstance(exc, CheckTimeout):
            return self._timeout_result(item, record.get("limit"), exc.elapsed)
        cause = exc.original if isinstance(exc, LearnerAbort) else exc
        self._causes[check_id(item.name)] = (type(cause).__name__, exception_message(cause))
        if isinstance(exc, AssertionError):
            message = assertion_message(exc, hidden, plain=isinstance(exc, MissingLearnerName))
            return CheckResult(status="fail", points=0.0, message=message, **common)
        if isinstance(exc, pytest.fail.Exception):
            return CheckResult(status="fail", points=0.0, message=safe_text(exc.msg), **common)
        original = exc.original if isinstance(exc, LearnerAbort) else exc
        message, error_type, frames = error_message(original, setup_names=self.context.setup_names,
                                                    exercise=self.context.exercise)
        return CheckResult(status="error", points=0.0, message=message, error_type=error_type,
                           traceback=frames, **common)
