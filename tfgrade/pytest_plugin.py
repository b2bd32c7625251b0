"""tfgrade's pytest plugin: what exercise checks receive, and how their outcomes are read.

Fixtures available to every check:

``learner``       the learner's namespace (:class:`LearnerNamespace`)
``observations``  what probes saw while the cell ran (:class:`~tfgrade.observations.Observations`)
``rng``           a ``numpy.random.Generator`` seeded per check (same code, same verdict)
``exercise``      the :class:`~tfgrade.spec.Exercise` being graded
``advise``        ``advise(message, fix="")`` records advice in the report; costs no points

Markers: ``points(n)``, ``hints("nudge", ..., "nearly the answer")``, ``needs("Name", ...)``,
``time_limit(seconds)``. A check's title is the first line of its docstring.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, MutableMapping

import numpy as np
import pytest

from .errors import CheckTimeout
from .execute import describe_exception, learner_frames
from .observations import Observations
from .report import CheckResult, Diagnostic
from .spec import Exercise
from .timelimit import time_limit

__all__ = ["LearnerNamespace", "MissingLearnerName", "GradingContext", "TfgradePlugin", "MARKERS"]

MARKERS = {
    "points": "points(n): points the check is worth (default 1)",
    "hints": "hints(*texts): hints revealed one at a time, from a nudge to nearly the answer",
    "needs": "needs(*names): learner names the check reads; missing ones skip or fail it",
    "time_limit": "time_limit(seconds): this check's own time limit",
}
_CHECK_PREFIXES = ("check_", "test_")
_EXPLANATION_LINES = 6


class MissingLearnerName(AssertionError):
    """The cell did not define a name a check needs (a failed check, not an error)."""


class _NotReached(Exception):
    """The cell raised before defining a needed name: the check is skipped with the reason."""


class LearnerNamespace:
    """Read access to what the learner's cell defined, with learner-facing errors."""

    def __init__(self, namespace: MutableMapping[str, Any], observations: Observations) -> None:
        self._namespace = namespace
        self._observations = observations

    def __contains__(self, name: str) -> bool:
        return name in self._namespace

    def __getitem__(self, name: str) -> Any:
        return self.require(name)

    def get(self, name: str, default: Any = None) -> Any:
        return self._namespace.get(name, default)

    @property
    def namespace(self) -> MutableMapping[str, Any]:
        return self._namespace

    def require(self, name: str, kind: type | tuple[type, ...] | None = None, *, subclass_of: type | None = None) -> Any:
        """The learner's object called ``name``; fail (or skip, if the cell crashed) when absent."""
        if name not in self._namespace:
            cell = self._observations.cell
            if cell is not None and cell.error is not None:
                raise _NotReached(
                    f"Not checked: your cell stopped with {cell.error.describe()} before `{name}` was defined."
                )
            raise MissingLearnerName(f"Your cell does not define `{name}`. The exercise asks for it by that name.")
        value = self._namespace[name]
        if kind is not None and not isinstance(value, kind):
            raise MissingLearnerName(f"`{name}` should be {_kind_name(kind)}, but it is {type(value).__name__}.")
        if subclass_of is not None and not (isinstance(value, type) and issubclass(value, subclass_of)):
            raise MissingLearnerName(
                f"`{name}` should be a class that subclasses `{subclass_of.__module__.split('.')[0]}.{subclass_of.__qualname__}`."
            )
        return value

    def find(self, predicate: Callable[[Any], bool], prefer: str | None = None) -> Any:
        """The first learner object (``prefer`` first) satisfying ``predicate``, or None."""
        if prefer is not None and prefer in self._namespace and predicate(self._namespace[prefer]):
            return self._namespace[prefer]
        for name, value in list(self._namespace.items()):
            if not name.startswith("_") and _safe(predicate, value):
                return value
        return None


def _safe(predicate: Callable[[Any], bool], value: Any) -> bool:
    try:
        return bool(predicate(value))
    except Exception:
        return False


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(f"a {k.__name__}" for k in kinds)


@dataclass
class GradingContext:
    exercise: Exercise
    namespace: MutableMapping[str, Any]
    observations: Observations
    seed: int
    time_scale: float = 1.0
    on_progress: Callable[[str, int, int], None] | None = None
    advice: list[Diagnostic] = field(default_factory=list)


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


def _assertion_message(exc: BaseException, hidden: bool) -> str:
    """The learner-facing part of an assertion: the author's message, plus pytest's
    explanation (trimmed) when the author gave none. Hidden checks never show code."""
    text = str(exc).strip()
    if isinstance(exc, MissingLearnerName):
        return text
    own, sep, explanation = text.partition("\nassert ")
    if text.startswith("assert "):
        own, explanation = "", text[len("assert "):]
    if own:
        return own.strip()
    if hidden:
        return "This hidden check did not pass."
    lines = [line for line in ("assert " + explanation).splitlines()
             if line.strip() and not re.match(r"\s*Use -v", line)]   # pytest's command-line advice
    trimmed = lines[:_EXPLANATION_LINES] + (["..."] if len(lines) > _EXPLANATION_LINES else [])
    return "\n".join(trimmed)


class TfgradePlugin:
    """Passed to ``pytest.main(plugins=[...])``: provides fixtures, enforces limits, collects results."""

    def __init__(self, context: GradingContext) -> None:
        self.context = context
        self.results: list[CheckResult] = []
        self.collection_errors: list[str] = []
        self._items: list[pytest.Item] = []
        self._outcomes: dict[str, dict[str, Any]] = {}

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
    @pytest.fixture
    def learner(self) -> LearnerNamespace:
        return LearnerNamespace(self.context.namespace, self.context.observations)

    @pytest.fixture
    def observations(self) -> Observations:
        return self.context.observations

    @pytest.fixture
    def exercise(self) -> Exercise:
        return self.context.exercise

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
    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        if self.context.on_progress is not None:
            index = next((i for i, it in enumerate(self._items) if it.nodeid == nodeid), 0)
            name = nodeid.rpartition("::")[2]
            self.context.on_progress(check_id(name), index, len(self._items))

    def _limit(self, item: pytest.Item) -> float:
        own = _marker_args(item, "time_limit")
        base = float(own[0]) if own else self.context.exercise.time_limit
        return base * self.context.time_scale

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Iterator[None]:
        self._outcomes[item.nodeid] = {"started": time.perf_counter()}
        for name in _marker_args(item, "needs"):
            LearnerNamespace(self.context.namespace, self.context.observations).require(name)
        with time_limit(self._limit(item)):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        with time_limit(self._limit(item)):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
        report = yield
        record = self._outcomes.setdefault(item.nodeid, {"started": time.perf_counter()})
        if call.excinfo is not None and "exc" not in record:
            record["exc"] = call.excinfo.value
            record["when"] = call.when
        if call.when == "teardown":
            self.results.append(self._result(item, record))
        return report

    def _result(self, item: pytest.Item, record: dict[str, Any]) -> CheckResult:
        hidden = _is_hidden(item)
        points = float((_marker_args(item, "points") or (1,))[0])
        common = dict(
            id=check_id(item.name), title=_title(item), max_points=points, hidden=hidden,
            hints=tuple(str(h) for h in _marker_args(item, "hints")),
            duration=round(time.perf_counter() - record["started"], 4),
        )
        exc = record.get("exc")
        if exc is None:
            return CheckResult(status="pass", points=points, **common)
        if isinstance(exc, (pytest.skip.Exception, _NotReached)):
            return CheckResult(status="skip", points=0.0, message=str(getattr(exc, "msg", exc)), **common)
        if isinstance(exc, AssertionError):
            return CheckResult(status="fail", points=0.0, message=_assertion_message(exc, hidden), **common)
        if isinstance(exc, pytest.fail.Exception):
            return CheckResult(status="fail", points=0.0, message=str(exc.msg), **common)
        if isinstance(exc, CheckTimeout):
            limit = self._limit(item)
            return CheckResult(
                status="error", points=0.0, error_type="CheckTimeout", timed_out=True,
                message=f"This check was stopped after {limit:g} s. Something in your code may loop forever "
                "or run far longer than the exercise needs.",
                **common,
            )
        frames = learner_frames(exc.__traceback__)
        described = describe_exception(exc)
        if frames:
            where = f"line {frames[-1].line}" + (f" (in `{frames[-1].function}`)" if frames[-1].function != "<module>" else "")
            message = f"Your code raised {described.type} at {where} while this check ran: {described.message}"
        else:
            message = f"The check could not run: {described.type}: {described.message}"
        return CheckResult(status="error", points=0.0, message=message, error_type=described.type, traceback=frames, **common)
