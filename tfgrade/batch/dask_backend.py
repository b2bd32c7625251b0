"""Grading on a dask.distributed cluster (``tfgrade grade --scheduler ADDRESS``).

Each submission is one Dask task. The task carries the whole job (notebook cells, the student's
folder files, the exercise snapshots), so a worker needs tfgrade installed but none of the
grader's files; it grades with the same isolation as the local pool (a sandboxed process forked
from a TensorFlow-loaded server on that worker, with the same time and memory limits) and returns
what the process sent. The grader validates and counts it exactly as for a local run.
"""

from __future__ import annotations

import multiprocessing
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from .plan import Outcome, Plan

__all__ = ["connect", "grade_on_cluster", "grade_remotely"]


@contextmanager
def _children_allowed() -> Iterator[None]:
    """Dask's nanny starts workers as daemonic processes, which multiprocessing forbids to have
    children; the grading process is killed with its parent anyway (PR_SET_PDEATHSIG)."""
    config = multiprocessing.current_process()._config   # type: ignore[attr-defined]
    daemonic = config.get("daemon", False)
    config["daemon"] = False
    try:
        yield
    finally:
        config["daemon"] = daemonic


_pools: dict[tuple[float, int], Any] = {}


def grade_remotely(job: Any, timeout: float, memory: int) -> Outcome:
    """Runs on a Dask worker: one sandboxed grading process; returns how it ended and what it sent."""
    from .pool import LocalPool
    from .worker import run_job

    pool = _pools.setdefault((timeout, memory), LocalPool(1, timeout, memory))
    with _children_allowed():
        return pool.run_one(run_job, (job,), lambda outcome: outcome)


def connect(address: str) -> Any:
    """A client of the scheduler at ``address``; BatchUsageError (exit code 2) when it cannot be reached."""
    from distributed import Client

    from .discovery import BatchUsageError

    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise BatchUsageError(f"could not reach the Dask scheduler at {address} ({type(exc).__name__})") from None


def grade_on_cluster(client: Any, plans: list[Plan], batch: Any, on_done: Callable[[int, Any], None]) -> None:
    import secrets

    from distributed import as_completed

    options = batch.options
    with client:
        futures = {}
        for position, plan in enumerate(plans):
            job = batch.job(plan)
            future = client.submit(grade_remotely, job, options.timeout, options.memory, pure=False,
                                   key=f"tfgrade-{position}-{secrets.token_hex(4)}")
            futures[future] = (position, plan)
        for future in as_completed(futures):
            position, plan = futures[future]
            try:
                outcome = future.result()
                result = batch.finish(plan, outcome)
            except Exception as exc:   # the safety net: a lost worker or task is that submission's row
                result = batch.fail(plan, f"the cluster could not grade it: {type(exc).__name__}: {exc}")
            on_done(position, result)
