"""The Report: a plain, JSON-serialisable value that everything downstream renders.

Widget, HTML, text, nbgrader score and batch CSV are functions of a Report and nothing
else. ``SCHEMA`` versions its JSON; :func:`Report.from_dict` reads what ``to_dict`` wrote.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

__all__ = [
    "SCHEMA", "MIME_TYPE", "CheckStatus", "Severity", "CheckResult", "Diagnostic",
    "CellError", "TracebackFrame", "Report",
]

SCHEMA = "tfgrade.report/1"
MIME_TYPE = "application/vnd.tfgrade.report+json"

CheckStatus = Literal["pass", "fail", "error", "skip"]
Severity = Literal["info", "advice", "warning"]


@dataclass(frozen=True)
class TracebackFrame:
    """One frame of the learner's own code (cell lines only)."""

    line: int
    code: str
    function: str = "<cell>"


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    status: CheckStatus
    points: float
    max_points: float
    message: str = ""
    hints: tuple[str, ...] = ()
    hidden: bool = False
    duration: float = 0.0
    # Only for status "error": what was raised, and the learner's frames it went through.
    error_type: str | None = None
    timed_out: bool = False
    traceback: tuple[TracebackFrame, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status == "pass"


@dataclass(frozen=True)
class Diagnostic:
    """Something tfgrade noticed that is worth telling the learner; costs no points."""

    kind: str            # e.g. "retracing", "trace-side-effect", "device", "advice"
    severity: Severity
    message: str         # one sentence, in the learner's terms
    fix: str = ""        # what to do about it
    source: str = "cell"  # "cell" (while the cell ran) or "checks" (while checks ran)
    function: str | None = None
    line: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CellError:
    """The learner's cell raised (or did not parse)."""

    type: str
    message: str
    line: int | None          # line in the cell, counting the `%%tfcheck` line as 1
    traceback: tuple[TracebackFrame, ...] = ()

    def describe(self) -> str:
        where = f" on line {self.line}" if self.line else ""
        return f"{self.type}{where}: {self.message}"


@dataclass(frozen=True)
class Report:
    exercise: str
    title: str
    short_id: str
    score: float
    max_score: float
    checks: tuple[CheckResult, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    environment: dict[str, Any] = field(default_factory=dict)
    cell_error: CellError | None = None
    timings: dict[str, float] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    hints_shown: dict[str, int] = field(default_factory=dict)
    exercise_version: str = ""    # spec.exercise_version: which checks produced this grade
    general_hints: tuple[str, ...] = ()   # exercise.toml's hints for the whole exercise, shown on the card
    schema: str = SCHEMA

    @property
    def passed(self) -> bool:
        return self.cell_error is None and all(c.status == "pass" for c in self.checks)

    @property
    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "error": 0, "skip": 0}
        for check in self.checks:
            out[check.status] += 1
        return out

    def with_hints_shown(self, hints_shown: dict[str, int]) -> "Report":
        return replace(self, hints_shown=dict(hints_shown))

    # -- JSON ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["passed"] = self.passed
        return out

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        schema = data.get("schema")
        if schema != SCHEMA:
            raise ValueError(f"report schema {schema!r} is not {SCHEMA!r}")
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["checks"] = tuple(_check_from_dict(c) for c in data["checks"])
        kwargs["general_hints"] = tuple(data.get("general_hints", ()))
        kwargs["diagnostics"] = tuple(Diagnostic(**d) for d in data.get("diagnostics", ()))
        err = data.get("cell_error")
        kwargs["cell_error"] = (
            CellError(**{**err, "traceback": _frames(err.get("traceback", ()))}) if err else None
        )
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> "Report":
        return cls.from_dict(json.loads(text))


def _frames(raw: Any) -> tuple[TracebackFrame, ...]:
    return tuple(TracebackFrame(**f) for f in raw)


def _check_from_dict(data: dict[str, Any]) -> CheckResult:
    return CheckResult(
        **{**data, "hints": tuple(data.get("hints", ())), "traceback": _frames(data.get("traceback", ()))}
    )
