"""The grader's side of one submission: what it grades before anything runs, and what it counts after.

The grader decides what is graded (the exercises of the ``%%tfcheck`` cells, or ``--exercises``),
each counted once and worth its maximum from the exercise's checks; then it turns what the grading
process sent (and how that process ended) into one row per exercise. A row exists for every
exercise the grader grades, whatever happened to the process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import SpecError, UnknownExerciseError
from .channel import ChannelError, validate_report
from .discovery import CodeCell, Submission, code_cells, folder_files, parse_notebook, tfcheck_names
from .exercises import CheckFacts, ExerciseSnapshot
from .model import ExerciseRow, SubmissionResult, failed_rows
from .worker import Job

__all__ = ["Plan", "Outcome", "plan_submission", "assemble"]


@dataclass(frozen=True)
class Plan:
    submission: Submission
    cells: tuple[CodeCell, ...] = ()
    graded: tuple[str, ...] = ()               # exercise ids, in notebook order
    names: dict[str, str] = field(default_factory=dict)
    unknown: tuple[tuple[str, str], ...] = ()  # (name as written, the UsageError text)
    finished: SubmissionResult | None = None   # decided without running anything

    def job(self, snapshots: dict[str, ExerciseSnapshot], include_hidden: bool, time_scale: float) -> Job:
        return Job(
            submission=self.submission.id, notebook_name=self.submission.path.name, cells=self.cells,
            graded=self.graded, names=dict(self.names), exercises=tuple(snapshots[e] for e in self.graded),
            include_hidden=include_hidden, time_scale=time_scale,
            files=folder_files(self.submission),
        )


@dataclass
class Outcome:
    """How a grading process ended, and what it sent."""

    ending: str                       # "done", "timeout", "memory", "crashed"
    reason: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)     # channel messages the grader refused
    seconds: float = 0.0
    log_tail: str = ""


def plan_submission(submission: Submission, resolve: Callable[[str], Any], exercises: tuple[str, ...] | None,
                    include_hidden: bool) -> Plan:
    """``resolve`` maps a %%tfcheck name to an Exercise or raises UnknownExerciseError/SpecError."""
    try:
        notebook = parse_notebook(submission.content)
    except ValueError as exc:
        rows = failed_rows([], "invalid notebook", str(exc))
        if exercises:
            rows = failed_rows([(e, 0.0, "") for e in exercises], "invalid notebook", str(exc))
        return Plan(submission, finished=SubmissionResult(submission.id, str(submission.path), submission.sha256,
                                                          rows, include_hidden=include_hidden))
    cells = tuple(code_cells(notebook))
    names: dict[str, str] = {}
    unknown: list[tuple[str, str]] = []
    for name in tfcheck_names(cells):
        try:
            names[name] = resolve(name).id
        except (UnknownExerciseError, SpecError) as exc:
            unknown.append((name, str(exc) if name else "`%%tfcheck` names no exercise"))
    graded = tuple(exercises) if exercises else tuple(dict.fromkeys(names.values()))
    if not graded and not unknown:
        rows = failed_rows([], "no tfcheck cell", "no `%%tfcheck` cell in this notebook, and no --exercises given")
        finished = SubmissionResult(submission.id, str(submission.path), submission.sha256, rows,
                                    include_hidden=include_hidden)
        return Plan(submission, cells, finished=finished)
    return Plan(submission, cells, graded, names, tuple(unknown) if not exercises else ())


def _short(text: str, limit: int = 400) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def assemble(plan: Plan, outcome: Outcome, facts: dict[str, CheckFacts], versions: dict[str, str],
             include_hidden: bool) -> SubmissionResult:
    accepted: dict[str, ExerciseRow] = {}
    refused: dict[str, str] = {}
    problems: dict[str, tuple[str, str]] = {}
    cell_errors: list[str] = []
    last_cell = None
    # Each %%tfcheck cell of a graded exercise sends one outcome. A second one for a cell, or one for
    # another cell, can only come from code that found the channel in memory: it spoils that exercise.
    tfcheck_cells = {(plan.names.get(c.tfcheck), c.index) for c in plan.cells if c.tfcheck is not None}
    answered: set[tuple[str, Any]] = set()
    for message in outcome.messages:
        kind = message.get("kind")
        if kind in ("report", "problem") and message.get("exercise") in plan.graded:
            key = (message["exercise"], message.get("cell"))
            if key not in tfcheck_cells or key in answered:
                refused[key[0]] = (f"report refused: a second outcome for cell {key[1]!r}, or one for a cell that is "
                                   f"not a %%tfcheck cell of this exercise (a forged message)")
                continue
            answered.add(key)
        if kind == "cell":
            last_cell = message.get("index")
        elif kind == "cell_error":
            cell_errors.append(_short(f"cell {message.get('index')}: {message.get('error')}", 300))
        elif kind == "problem" and message.get("exercise") in plan.graded:
            status = message.get("status") if message.get("status") in ("usage error", "invalid report") else "crashed"
            problems[message["exercise"]] = (status, _short(message.get("reason", "")))
        elif kind == "report":
            exercise = message.get("exercise")
            if exercise not in plan.graded:
                refused.setdefault(str(exercise), f"a report for {str(exercise)[:40]!r}, which is not graded here")
                continue
            try:
                report = validate_report(message.get("report"), exercise, versions[exercise], facts[exercise])
            except ChannelError as exc:
                refused[exercise] = f"report refused: {exc}"
                continue
            replaced = message.get("replaced") or []
            note = ("the notebook had replaced grading code (" + ", ".join(map(str, replaced[:3]))
                    + "); it was put back before grading") if replaced else ""
            accepted[exercise] = ExerciseRow(exercise, report.score, facts[exercise].max_score, "ok", _short(note),
                                             report.to_dict(), versions[exercise])
    cells_of = {plan.names.get(c.tfcheck or "") for c in plan.cells if c.tfcheck is not None}
    where = f" (in cell {last_cell})" if last_cell else ""
    rows: list[ExerciseRow] = []
    for exercise in plan.graded:
        mx, version = facts[exercise].max_score, versions[exercise]
        if exercise in refused:
            rows.append(ExerciseRow(exercise, 0.0, mx, "invalid report", _short(refused[exercise]), None, version))
        elif exercise in accepted:
            rows.append(accepted[exercise])
        elif exercise in problems:
            status, reason = problems[exercise]
            rows.append(ExerciseRow(exercise, 0.0, mx, status, reason, None, version))   # type: ignore[arg-type]
        elif exercise not in cells_of:
            rows.append(ExerciseRow(exercise, 0.0, mx, "no tfcheck cell", f"no `%%tfcheck` cell for {exercise}",
                                    None, version))
        elif outcome.ending == "done":
            rows.append(ExerciseRow(exercise, 0.0, mx, "crashed", "its cell sent no report", None, version))
        else:
            status = outcome.ending if outcome.ending in ("timeout", "memory") else "crashed"
            reason = _short(outcome.reason + where)
            rows.append(ExerciseRow(exercise, 0.0, mx, status, reason, None, version))  # type: ignore[arg-type]
    for name, text in plan.unknown:
        rows.append(ExerciseRow(name, 0.0, 0.0, "unknown exercise", _short(f"%%tfcheck {name}: {text}")))
    if outcome.refused:
        note = _short("the grading channel refused: " + "; ".join(outcome.refused[:3]))
        rows = [r if r.reason else ExerciseRow(r.exercise, r.score, r.max_score, r.status, note, r.report,
                                               r.exercise_version) for r in rows]
    return SubmissionResult(plan.submission.id, str(plan.submission.path), plan.submission.sha256, tuple(rows),
                            round(outcome.seconds, 2), include_hidden, tuple(cell_errors), outcome.log_tail[-2000:])
