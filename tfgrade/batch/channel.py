"""The out-of-band channel from a grading process to the grader, and what the grader accepts on it.

Reports never travel through a notebook's outputs (which its author controls and which nbclient
leaves in place for cells it skips). The grading process sends framed JSON messages on a pipe
whose write end exists only in that process; each message carries the job's token. The grader
then trusts nothing it cannot check: a report is accepted only for an exercise it asked for, made
by the checks of the batch's snapshot (same version), with exactly the checks that collecting them
found, each worth what the check files say, and a score that is the sum of the passed checks.
Anything else is refused with a reason (never a traceback that stops the batch).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..report import Report
from .exercises import CheckFacts

__all__ = ["ChannelError", "Sender", "decode", "validate_report", "MAX_MESSAGE_BYTES", "KINDS"]

MAX_MESSAGE_BYTES = 8 * 2**20
# cell: a cell starts; report / problem: an exercise's outcome; cell_error: an ordinary cell raised;
# notes: what isolation holds; done: the last cell finished; fatal: the grading process itself failed.
KINDS = {"cell", "report", "problem", "cell_error", "notes", "done", "fatal"}
_COLLECTION_ERROR_CHECK = "checks-module"


class ChannelError(ValueError):
    """A message or report the grader refuses; the text says why, for the CSV's reason column."""


@dataclass
class Sender:
    """The grading process's end: one JSON message per ``send``."""

    connection: Any
    token: str

    def send(self, kind: str, **fields: Any) -> None:
        self.connection.send_bytes(json.dumps({"token": self.token, "kind": kind, **fields}).encode())


def decode(raw: bytes, token: str) -> dict[str, Any]:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ChannelError(f"a message of {len(raw)} bytes is larger than any report")
    try:
        message = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ChannelError(f"a message that is not JSON ({type(exc).__name__})") from None
    if not isinstance(message, dict) or message.get("token") != token:
        raise ChannelError("a message without this job's token")
    if message.get("kind") not in KINDS:
        raise ChannelError(f"a message of unknown kind {str(message.get('kind'))[:40]!r}")
    return message


def _close(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))


def validate_report(payload: Any, exercise_id: str, version: str, facts: CheckFacts) -> Report:
    """The report if it is one the exercise's own checks could have produced; else ChannelError."""
    if not isinstance(payload, dict):
        raise ChannelError("the report is not a JSON object")
    try:
        report = Report.from_dict(payload)
    except Exception as exc:   # from_dict raises several kinds for a malformed payload
        raise ChannelError(f"the report is malformed ({type(exc).__name__}: {str(exc)[:120]})") from None
    if report.exercise != exercise_id:
        raise ChannelError(f"a report for {report.exercise!r} arrived where {exercise_id!r} was graded")
    if report.exercise_version != version:
        raise ChannelError(f"the report was made by other checks ({report.exercise_version!r}, not {version!r})")
    expected = facts.points()
    seen: set[str] = set()
    score = 0.0
    for check in report.checks:
        if not isinstance(check.points, (int, float)) or not isinstance(check.max_points, (int, float)):
            raise ChannelError(f"check {check.id!r} has non-numeric points")
        if check.id == _COLLECTION_ERROR_CHECK and check.status == "error":
            raise ChannelError(f"the exercise's checks could not be loaded here: {check.message[:300]}")
        if check.id not in expected:
            raise ChannelError(f"the report has a check {check.id!r} that the exercise does not have")
        if check.id in seen:
            raise ChannelError(f"the report has check {check.id!r} twice")
        seen.add(check.id)
        if not _close(check.max_points, expected[check.id]):
            worth = expected[check.id]
            raise ChannelError(f"check {check.id!r} claims {check.max_points:g} points; it is worth {worth:g}")
        earned = expected[check.id] if check.status == "pass" else 0.0
        if not _close(check.points, earned):
            raise ChannelError(f"check {check.id!r} ({check.status}) claims {check.points:g} points")
        score += earned
    missing = sorted(set(expected) - seen)
    if missing:
        raise ChannelError(f"the report lacks checks {', '.join(missing)}")
    if not _close(report.score, score) or not _close(report.max_score, facts.max_score):
        raise ChannelError(f"the report's total {report.score:g}/{report.max_score:g} is not the sum of its checks "
                           f"({score:g}/{facts.max_score:g})")
    return report
