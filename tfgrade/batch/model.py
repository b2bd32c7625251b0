"""What a batch run produces: one row per submission and exercise, one result per submission.

Plain values (JSON round-trip through ``to_dict``/``from_dict``) so that the local pool, a Dask
cluster and the result store all pass the same thing around.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["Status", "STATUSES", "ExerciseRow", "SubmissionResult", "CSV_HEADER", "SCHEMA", "failed_rows"]

SCHEMA = "tfgrade.batch-result/1"

Status = Literal[
    "ok", "timeout", "memory", "crashed", "invalid notebook", "no tfcheck cell", "unknown exercise",
    "usage error", "invalid report",
]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
CSV_HEADER = ("submission", "exercise", "score", "max", "status", "reason", "seconds")


@dataclass(frozen=True)
class ExerciseRow:
    """One exercise of one submission: what the grader counts, never what the notebook claims."""

    exercise: str            # full exercise id ("" when the notebook names none)
    score: float
    max_score: float
    status: Status
    reason: str = ""
    report: dict[str, Any] | None = None    # the validated Report (``Report.to_dict()``), if graded
    exercise_version: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class SubmissionResult:
    submission: str          # path relative to the folder given: the student's identity
    path: str                # where it was read from
    sha256: str              # content hash of the notebook file as graded
    rows: tuple[ExerciseRow, ...]
    seconds: float = 0.0
    include_hidden: bool = False
    cell_errors: tuple[str, ...] = ()        # ordinary cells that raised (information only)
    log_tail: str = ""                       # the last lines the process wrote, for crashes

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def score(self) -> float:
        return round(sum(row.score for row in self.rows), 4)

    @property
    def max_score(self) -> float:
        return round(sum(row.max_score for row in self.rows), 4)

    @property
    def status(self) -> str:
        """``ok``, or the first row's trouble: the submission's one-word summary."""
        return next((row.status for row in self.rows if not row.ok), "ok")

    def csv_rows(self) -> list[tuple[Any, ...]]:
        return [(self.submission, row.exercise, f"{row.score:g}", f"{row.max_score:g}", row.status,
                 row.reason, f"{self.seconds:.2f}") for row in self.rows]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(score=self.score, max_score=self.max_score, status=self.status, schema=SCHEMA)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SubmissionResult":
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a tfgrade batch result (schema {data.get('schema')!r})")
        rows = tuple(ExerciseRow(**row) for row in data["rows"])
        return cls(
            submission=data["submission"], path=data["path"], sha256=data["sha256"], rows=rows,
            seconds=float(data.get("seconds", 0.0)), include_hidden=bool(data.get("include_hidden")),
            cell_errors=tuple(data.get("cell_errors", ())), log_tail=str(data.get("log_tail", "")),
        )


def failed_rows(exercises: list[tuple[str, float, str]], status: Status, reason: str) -> tuple[ExerciseRow, ...]:
    """Rows for a submission that could not be graded at all: each exercise scores 0 out of its max.

    ``exercises`` holds (exercise id, max, version); a submission with no exercise gets one row.
    """
    if not exercises:
        return (ExerciseRow("", 0.0, 0.0, status, reason),)
    return tuple(ExerciseRow(ex, 0.0, mx, status, reason, exercise_version=ver) for ex, mx, ver in exercises)
