"""``grade_batch``: discovery -> plan -> (stored result | local pool | Dask cluster) -> output folder."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..catalog import get_exercise
from .discovery import find_submissions
from .exercises import CheckFacts, ExerciseSnapshot, snapshot_exercise
from .model import SubmissionResult, failed_rows
from .plan import Outcome, Plan, assemble, plan_submission
from .pool import LocalPool, Task
from .progress import BatchProgress
from .sandbox import DEFAULT_MEMORY
from .store import ResultStore

__all__ = ["BatchOptions", "grade_batch"]


@dataclass(frozen=True)
class BatchOptions:
    out: Path
    jobs: int = max(1, os.cpu_count() or 1)
    timeout: float = 900.0                  # seconds per submission, all cells included
    memory: int = DEFAULT_MEMORY            # bytes of resident memory per submission
    include_hidden: bool = False
    exercises: tuple[str, ...] = ()         # grade these in every notebook (default: its %%tfcheck cells)
    force: bool = False                     # regrade even when a stored result is still valid
    scheduler: str | None = None            # a dask.distributed scheduler address
    time_scale: float = 1.0


@dataclass
class _Batch:
    options: BatchOptions
    plans: list[Plan]
    snapshots: dict[str, ExerciseSnapshot]
    facts: dict[str, CheckFacts]

    @property
    def versions(self) -> dict[str, str]:
        return {eid: snap.version for eid, snap in self.snapshots.items()}

    def job(self, plan: Plan) -> Any:
        return plan.job(self.snapshots, self.options.include_hidden, self.options.time_scale)

    def finish(self, plan: Plan, outcome: Outcome) -> SubmissionResult:
        return assemble(plan, outcome, self.facts, self.versions, self.options.include_hidden)

    def fail(self, plan: Plan, reason: str) -> SubmissionResult:
        rows = failed_rows([(e, self.facts[e].max_score, self.versions[e]) for e in plan.graded], "crashed", reason)
        return SubmissionResult(plan.submission.id, str(plan.submission.path), plan.submission.sha256, rows,
                                include_hidden=self.options.include_hidden)


def _prepare(paths: Sequence[str | os.PathLike[str]], options: BatchOptions, pool: LocalPool) -> _Batch:
    submissions = find_submissions(paths)
    resolve = functools.lru_cache(maxsize=None)(get_exercise)     # one catalog look-up per name written
    wanted = tuple(dict.fromkeys(resolve(name).id for name in options.exercises))  # unknown: exit code 3
    plans = [plan_submission(s, resolve, wanted, options.include_hidden) for s in submissions]
    needed = list(dict.fromkeys(eid for plan in plans for eid in plan.graded))
    snapshots = {eid: snapshot_exercise(get_exercise(eid)) for eid in needed}
    facts = pool.check_facts(tuple(snapshots.values()), options.include_hidden) if needed else {}
    return _Batch(options, plans, snapshots, facts)


def grade_batch(
    paths: Sequence[str | os.PathLike[str]], options: BatchOptions, *,
    progress: BatchProgress | None = None, target: Callable[..., None] | None = None,
) -> list[SubmissionResult]:
    """Grade every submission under ``paths``; results in input order, each stored as soon as it is done.

    Raises :class:`~.discovery.BatchUsageError` for paths that name nothing to grade and
    :class:`~tfgrade.errors.UnknownExerciseError` for an unknown id in ``options.exercises``.
    """
    client = None
    if options.scheduler:     # before any work: an unreachable cluster is a usage error
        from .dask_backend import connect

        client = connect(options.scheduler)
    pool = LocalPool(options.jobs, options.timeout, options.memory, **({"target": target} if target else {}))
    batch = _prepare(paths, options, pool)
    store = ResultStore(options.out)
    progress = progress or BatchProgress(len(batch.plans), rich=False)
    results: list[SubmissionResult | None] = [None] * len(batch.plans)
    todo: list[int] = []
    with progress:
        for index, plan in enumerate(batch.plans):
            versions = {e: batch.versions[e] for e in plan.graded}
            submission = plan.submission
            stored = None if options.force else store.reusable(submission.id, submission.sha256,
                                                               options.include_hidden, versions)
            if plan.finished is not None or stored is not None:
                results[index] = plan.finished or stored
                if plan.finished is not None:
                    store.save(plan.finished)
                reused = stored is not None and plan.finished is None
                progress.done(results[index], reused=reused)  # type: ignore[arg-type]
            else:
                todo.append(index)
        store.write_csv(results)

        def on_done(position: int, result: SubmissionResult) -> None:
            results[todo[position]] = result
            store.save(result)
            store.write_csv(results)
            progress.done(result)

        plans = [batch.plans[i] for i in todo]
        if client is not None:
            from .dask_backend import grade_on_cluster

            grade_on_cluster(client, plans, batch, on_done)
        else:
            tasks = [Task(lambda p=plan: (batch.job(p),),
                          lambda outcome, p=plan: batch.finish(p, outcome),
                          lambda reason, p=plan: batch.fail(p, reason)) for plan in plans]
            pool.run(tasks, on_done)
    return [r for r in results if r is not None]
