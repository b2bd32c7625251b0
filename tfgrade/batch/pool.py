"""The local pool: grading processes forked from a server that imported TensorFlow once.

Uses :mod:`multiprocessing`'s ``forkserver`` (the server preloads :mod:`.preload`). The pool runs
up to ``jobs`` processes, reads their channels, and enforces from outside the wall-clock limit
(SIGKILL to the process tree) and the memory limit (resident memory of the tree, polled). Results
come back in input order; a process or a bookkeeping step that fails becomes that submission's
``crashed`` row, and the other submissions go on.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable, Sequence

from ..patching import interrupts_deferred
from .channel import MAX_MESSAGE_BYTES, ChannelError, Sender, decode
from .plan import Outcome
from .sandbox import DEFAULT_MEMORY, can_drop_privileges, kill_tree, tree_rss
from .worker import Launch, child_main, collect_facts, run_job

__all__ = ["LocalPool", "Task"]

_POLL_SECONDS = 0.05
PRELOAD = ["tfgrade.batch.preload"]


@dataclass
class Task:
    """One process to run: ``prepare()`` gives the arguments of ``target`` (the Launch and the Sender
    are appended); it is called only when the process starts, so jobs are built one at a time."""

    prepare: Callable[[], tuple[Any, ...]]
    finish: Callable[[Outcome], Any]          # turns the outcome into the caller's result
    fail: Callable[[str], Any]                # the result when the pool itself failed for this task


@dataclass
class _Running:
    index: int
    task: Task
    token: str
    process: Any
    connection: Connection
    launch: Launch
    slot: int
    started: float
    messages: list
    refused: list
    ending: str = ""
    reason: str = ""


def _force_remove(path: Path) -> None:
    def unlock(function: Any, name: str, _: Any) -> None:
        os.chmod(os.path.dirname(name), 0o755)
        os.chmod(name, stat.S_IRWXU)
        function(name)

    shutil.rmtree(path, onerror=unlock)


class LocalPool:
    def __init__(self, jobs: int = 1, timeout: float = 900.0, memory: int = DEFAULT_MEMORY,
                 target: Callable[..., None] = run_job) -> None:
        self.jobs, self.timeout, self.memory, self.target = max(1, jobs), timeout, memory, target
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(PRELOAD)
        self._serial = 0

    # -- one process ------------------------------------------------------------
    def _start(self, index: int, task: Task, slot: int, root: Path, target: Callable[..., None]) -> _Running:
        self._serial += 1
        name = f"s{self._serial:05d}"
        token = secrets.token_hex(16)
        args = task.prepare()
        launch = Launch(root / name, root / f"{name}-exercises", root / f"{name}.log", can_drop_privileges(),
                        dict(os.environ))
        reader, writer = self.context.Pipe(duplex=False)
        process = self.context.Process(target=child_main, args=(target, *args, launch, Sender(writer, token)),
                                       name=f"tfgrade-grade-{name}", daemon=True)
        process.start()
        writer.close()
        return _Running(index, task, token, process, reader, launch, slot, time.monotonic(), [], [])

    def _drain(self, run: _Running) -> None:
        while not run.connection.closed:
            try:
                if not run.connection.poll():
                    return
                raw = run.connection.recv_bytes(MAX_MESSAGE_BYTES)
            except (EOFError, OSError) as exc:
                if str(exc) == "bad message length":    # multiprocessing's word for "over maxlength"
                    run.refused.append("a message larger than any report")
                run.connection.close()
                return
            try:
                run.messages.append(decode(raw, run.token))
            except ChannelError as exc:
                run.refused.append(str(exc))

    def _watch(self, run: _Running) -> None:
        if run.ending:
            return
        elapsed = time.monotonic() - run.started
        if elapsed > self.timeout:
            run.ending, run.reason = "timeout", f"stopped after {self.timeout:g} s (the time limit)"
            kill_tree(run.process.pid)
        elif tree_rss(run.process.pid) > self.memory:
            run.ending, run.reason = "memory", f"stopped at over {self.memory / 2**30:.3g} GiB of memory (the limit)"
            kill_tree(run.process.pid)

    def _finish(self, run: _Running) -> Any:
        run.process.join(5)
        if run.process.is_alive():
            kill_tree(run.process.pid)
            run.process.join(5)
        self._drain(run)
        kinds = {m.get("kind") for m in run.messages}
        fatal = next((m for m in run.messages if m.get("kind") == "fatal"), None)
        if run.ending:
            pass
        elif fatal is not None:
            run.ending, run.reason = "crashed", f"the grading process failed: {fatal.get('reason', '')}"
        elif "done" in kinds:
            run.ending = "done"
        else:
            code = run.process.exitcode
            how = (f"killed by signal {-code}" + (" (a segmentation fault)" if code == -11 else "")
                   if code is not None and code < 0 else f"exit code {code}")
            run.ending, run.reason = "crashed", f"the notebook ended the process ({how})"
        log_tail = ""
        try:
            log_tail = "\n".join(run.launch.log.read_text(errors="replace").splitlines()[-8:])
        except OSError:
            pass
        outcome = Outcome(run.ending, run.reason, run.messages, run.refused,
                          time.monotonic() - run.started, log_tail)
        return run.task.finish(outcome)

    # -- many processes -----------------------------------------------------------
    def run(self, tasks: Sequence[Task], on_done: Callable[[int, Any], None] | None = None,
            target: Callable[..., None] | None = None) -> list[Any]:
        """Run every task; results in input order. ``on_done(index, result)`` as each finishes."""
        target = target or self.target
        results: list[Any] = [None] * len(tasks)
        pending = list(range(len(tasks)))[::-1]
        running: list[_Running] = []
        free = list(range(self.jobs))[::-1]
        root = Path(tempfile.mkdtemp(prefix="tfgrade-batch-"))
        os.chmod(root, 0o755)     # each grading process's own folder inside is 0700 and its own uid's

        def settle(index: int, result: Any) -> None:
            results[index] = result
            if on_done is not None:
                on_done(index, result)

        try:
            while pending or running:
                while pending and free:
                    index = pending.pop()
                    slot = free.pop()
                    try:
                        # A Ctrl-C between starting a process and recording it would leave it untracked
                        # (and multiprocessing joins it at exit): it waits until the process is recorded.
                        with interrupts_deferred():
                            running.append(self._start(index, tasks[index], slot, root, target))
                    except Exception as exc:   # the safety net: one task's failure stays its own
                        free.append(slot)
                        settle(index, tasks[index].fail(f"could not start grading: {type(exc).__name__}: {exc}"))
                wait([r.process.sentinel for r in running] + [r.connection for r in running if not r.connection.closed],
                     timeout=_POLL_SECONDS)
                for run in list(running):
                    self._drain(run)
                    self._watch(run)
                    if run.process.is_alive():
                        continue
                    running.remove(run)
                    free.append(run.slot)
                    try:
                        result = self._finish(run)
                    except Exception as exc:   # the safety net: one task's failure stays its own
                        result = run.task.fail(f"grader error: {type(exc).__name__}: {exc}")
                    settle(run.index, result)
        finally:
            for run in running:        # Ctrl-C or an error in the caller: leave no process behind
                kill_tree(run.process.pid)
                run.process.join(5)
            for process in multiprocessing.active_children():
                if process.name.startswith("tfgrade-grade-"):    # any left untracked
                    kill_tree(process.pid)
                    process.join(5)
            _force_remove(root)
        return results

    def run_one(self, target: Callable[..., None], args: tuple[Any, ...], finish: Callable[[Outcome], Any]) -> Any:
        task = Task(lambda: args, finish, lambda reason: finish(Outcome("crashed", reason)))
        return self.run([task], target=target)[0]

    def check_facts(self, snapshots: tuple[Any, ...], include_hidden: bool) -> dict[str, Any]:
        """What each exercise is worth, collected in a process that runs no submission code."""
        from .worker import facts_from_message

        def finish(outcome: Outcome) -> dict[str, Any]:
            found = next((m["facts"] for m in outcome.messages if m.get("kind") == "notes" and "facts" in m), None)
            if found is None:
                raise RuntimeError(f"the checks could not be collected: {outcome.reason or outcome.log_tail}")
            return facts_from_message(found)

        return self.run_one(collect_facts, (snapshots, include_hidden), finish)
