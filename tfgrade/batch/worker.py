"""The grading process: one per submission, forked from a server that already imported TensorFlow.

It confines itself (:mod:`.sandbox`), writes its own read-only copy of the exercises, then runs
the notebook's code cells, in order, in an in-process IPython shell (``%load_ext tfgrade`` and
other magics work as in a kernel). Outputs are never read back. At a ``%%tfcheck`` cell of an
exercise the grader asked for, this module (not the magic, which the notebook could replace)
puts the grading stack back as it was (:mod:`tfgrade.integrity`), runs the cell under the probes and
grades it with the batch's settings, and sends the Report to the grader over the channel.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .channel import Sender
from .discovery import CodeCell
from .exercises import CheckFacts, ExerciseSnapshot, collect_check_facts, materialize
from ..integrity import Baseline
from .sandbox import enter_sandbox, prepare_private_folder, sandbox_uid
from ..spec import exercise_version

__all__ = ["Job", "Launch", "child_main", "run_job", "collect_facts", "baseline"]


@dataclass(frozen=True)
class Job:
    """Everything a grading process needs: it reads nothing of the submission from the grader's disk."""

    submission: str
    notebook_name: str
    cells: tuple[CodeCell, ...]
    graded: tuple[str, ...]                  # exercise ids the grader grades in this notebook
    names: dict[str, str]                    # name written after %%tfcheck -> exercise id
    exercises: tuple[ExerciseSnapshot, ...]
    include_hidden: bool
    time_scale: float
    files: dict[str, bytes] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Launch:
    """Where this process works, chosen by the pool (paths under the batch's private folder)."""

    folder: Path            # the submission's private copy
    exercises: Path         # the exercises' read-only copy
    log: Path               # the process's stdout/stderr
    drop_privileges: bool   # run as an unprivileged uid of its own (possible when the grader is root)
    environ: dict[str, str]


_baseline: Baseline | None = None


def baseline() -> Baseline:
    """The grading stack as it was before any submission code ran (recorded once per server)."""
    global _baseline
    if _baseline is None:
        _baseline = Baseline()
    return _baseline


def child_main(target: Callable[..., None], *args: Any) -> None:
    """Entry point of every grading process: whatever ``target`` raises becomes a ``fatal`` message."""
    *rest, sender = args
    try:
        target(*rest, sender)
        sender.send("done")
    except BaseException as exc:   # the grader must hear why, whatever happened
        try:
            sender.send("fatal", reason=f"{type(exc).__name__}: {exc}"[:500],
                        where=traceback.format_exc(limit=3)[-1500:])
        except Exception:
            pass
    finally:
        os._exit(0)     # never run the submission's atexit handlers or flush its buffers


def collect_facts(snapshots: tuple[ExerciseSnapshot, ...], include_hidden: bool, launch: Launch,
                  sender: Sender) -> None:
    """A process that runs no submission code: what each exercise is worth."""
    launch.exercises.mkdir(mode=0o755)
    facts = {}
    for snapshot in snapshots:
        result = collect_check_facts(materialize(snapshot, launch.exercises), include_hidden)
        facts[snapshot.id] = {"max_score": result.max_score, "checks": [list(c) for c in result.checks]}
    sender.send("notes", facts=facts)


def facts_from_message(raw: dict[str, Any]) -> dict[str, CheckFacts]:
    return {eid: CheckFacts(float(f["max_score"]), tuple((str(c), float(p), bool(h)) for c, p, h in f["checks"]))
            for eid, f in raw.items()}


def _shell() -> Any:
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    return InteractiveShell.instance(config=config)


def _error_text(result: Any) -> str | None:
    error = result.error_before_exec or result.error_in_exec
    return None if error is None else f"{type(error).__name__}: {str(error)[:300]}"


def run_job(job: Job, launch: Launch, sender: Sender) -> None:
    launch.exercises.mkdir(mode=0o755)
    snapshots = {s.id: s for s in job.exercises}
    exercises = {s.id: materialize(s, launch.exercises) for s in job.exercises}
    uid = sandbox_uid() if launch.drop_privileges else None
    prepare_private_folder(launch.folder, job.files, uid)
    notes = enter_sandbox(launch.folder, uid, launch.log, launch.environ, channel_fd=sender.connection.fileno())
    sender.send("notes", notes=notes)
    from ..config import Settings

    settings = Settings(include_hidden=job.include_hidden, time_scale=job.time_scale, widget=False, offline=True)
    shell = _shell()
    for cell in job.cells:
        if not cell.source.strip() or (cell.skipped and cell.tfcheck is None):
            continue
        sender.send("cell", index=cell.index)
        exercise_id = job.names.get(cell.tfcheck or "")
        if cell.tfcheck is None or exercise_id not in job.graded:
            problem = _error_text(shell.run_cell(cell.source, store_history=False))
            if problem:
                sender.send("cell_error", index=cell.index, error=problem)
            continue
        exercise = exercises[exercise_id]
        if exercise_version(exercise.folder) != snapshots[exercise_id].version:
            # Only possible without root (the copy is then the submission's own): write it again.
            exercise = materialize(snapshots[exercise_id], launch.exercises, replace=True)
        _grade_cell(shell, cell, exercise, settings, sender)


def _grade_cell(shell: Any, cell: CodeCell, exercise: Any, settings: Any, sender: Sender) -> None:
    if shell.find_cell_magic("tfcheck") is None:
        # What a kernel would say (the real UsageError), with the fix.
        problem = _error_text(shell.run_cell(cell.source, store_history=False)) or "the %%tfcheck magic is not loaded"
        sender.send("problem", exercise=exercise.id, status="usage error", cell=cell.index,
                    reason=f"cell {cell.index}: {problem} (run `%load_ext tfgrade` in a cell above it)")
        return
    from .. import engine

    stack = baseline()
    replaced = stack.restore()
    body = cell.source.split("\n", 1)[1] if "\n" in cell.source else ""
    report = engine.run_and_grade(exercise, body, shell.user_ns, shell=shell, settings=settings,
                                  first_line=2, echo_output=False)
    changed = stack.restore()
    if changed:
        sender.send("problem", exercise=exercise.id, status="invalid report", cell=cell.index,
                    reason=f"cell {cell.index}: code run by the checks replaced grading code "
                           f"({', '.join(changed[:3])}); this grade is not trusted")
        return
    sender.send("report", exercise=exercise.id, cell=cell.index, report=report.to_dict(), replaced=replaced[:5])
