"""Stop a running check after a time limit, without relying on the learner's code to cooperate.

A watchdog thread owns the deadline (nothing the learner does to ``signal.setitimer`` can
cancel it). When the deadline passes it raises :class:`CheckTimeout` in the checked thread
(an asynchronous exception, plus a SIGALRM on the main thread so a blocking sleep wakes up)
and keeps doing so every ``retry`` seconds, so an ``except BaseException`` that swallows one
does not make the check endless. A check that swallowed the timeout and then returned is
still a timeout. What cannot be stopped in-process (one TensorFlow op that never returns,
a loop that swallows every exception) is given up after ``grace`` seconds: ``on_stuck`` is
called from the watchdog thread, so the caller can tell the learner which check ran out of
time and that the kernel needs a restart.
"""

from __future__ import annotations

import ctypes
import linecache
import signal
import sys
import threading
import time
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Callable

from .errors import CheckTimeout

__all__ = ["time_limit", "TimeLimit", "CodeLocation"]

_RETRY_SECONDS = 0.25


@dataclass(frozen=True)
class CodeLocation:
    """Where the learner's code was when the limit hit (a cell line)."""

    line: int
    code: str
    function: str


def _learner_location(frame: FrameType | None) -> CodeLocation | None:
    from .execute import is_learner_filename

    while frame is not None:        # innermost first: the deepest learner frame is the one that looped
        filename = frame.f_code.co_filename
        if is_learner_filename(filename):
            code = linecache.getline(filename, frame.f_lineno).strip()
            return CodeLocation(line=frame.f_lineno, code=code, function=frame.f_code.co_name)
        frame = frame.f_back
    return None


def _raise_async(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None)


class TimeLimit:
    """Context manager: ``with TimeLimit(5): run_check()``; afterwards ``fired``, ``elapsed``, ``where``."""

    def __init__(self, seconds: float, *, on_stuck: Callable[["TimeLimit"], None] | None = None,
                 grace: float | None = None, retry: float = _RETRY_SECONDS) -> None:
        self.seconds = seconds
        self.on_stuck = on_stuck
        self.grace = max(2.0, 0.5 * seconds) if grace is None else grace
        self.retry = retry
        self.fired = False            # the deadline passed while the block ran
        self.abandoned = False        # on_stuck was called: the block could not be stopped
        self.where: CodeLocation | None = None
        self.elapsed = 0.0
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._target = 0
        self._started = 0.0
        self._watcher: threading.Thread | None = None
        self._previous_handler: object = None
        self._on_main_thread = False

    # -- the checked thread ----------------------------------------------------------------
    def __enter__(self) -> "TimeLimit":
        if self.seconds <= 0:
            return self
        self._target = threading.get_ident()
        self._on_main_thread = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")
        if self._on_main_thread:
            self._previous_handler = signal.signal(signal.SIGALRM, self._on_alarm)
        self._started = time.monotonic()
        self._watcher = threading.Thread(target=self._watch, name="tfgrade-time-limit", daemon=True)
        self._watcher.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if self.seconds <= 0:
            return False
        interrupted: BaseException | None = None
        while True:   # a late timeout (or a Stop) may land anywhere in here: retry until the watchdog is off
            try:
                self._stop_watching()
                break
            except CheckTimeout:
                continue
            except BaseException as late:  # noqa: BLE001 - re-raised once the watchdog is off
                interrupted = late
        self.elapsed = time.monotonic() - self._started
        if interrupted is not None:
            raise interrupted
        if not self.fired:
            return False
        timeout = CheckTimeout(self.seconds, elapsed=self.elapsed)
        if isinstance(exc, CheckTimeout):
            exc.seconds, exc.elapsed = self.seconds, self.elapsed
            return False
        # The block swallowed the timeout and returned, or raised something else afterwards.
        raise timeout from exc

    def _stop_watching(self) -> None:
        with self._lock:
            self._finished.set()
        # A timeout sent but not yet delivered arrives at the next Python call below, and
        # __exit__ retries. (Clearing it with PyThreadState_SetAsyncExc(NULL) instead leaves
        # CPython 3.11's eval breaker set: under a trace or profile function it spins forever.)
        if self._on_main_thread:
            signal.signal(signal.SIGALRM, self._previous_handler)  # type: ignore[arg-type]
            self._on_main_thread = False
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(1.0)

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if self.fired and not self._finished.is_set():
            raise CheckTimeout(self.seconds)
        previous = self._previous_handler
        if callable(previous):       # an outer timer's alarm: it belongs to its owner
            previous(signum, frame)

    # -- the watchdog thread ---------------------------------------------------------------
    def _watch(self) -> None:
        try:
            self._watch_until_finished()
        except Exception:  # noqa: BLE001 - a thread's traceback would land in the cell's stderr
            self._finished.wait()

    def _watch_until_finished(self) -> None:
        if self._finished.wait(self.seconds):
            return
        self.where = _learner_location(sys._current_frames().get(self._target))
        deadline = time.monotonic()
        while True:
            with self._lock:
                if self._finished.is_set():
                    return
                self.fired = True
                _raise_async(self._target, CheckTimeout)
                if (self._on_main_thread and not self.abandoned
                        and signal.getsignal(signal.SIGALRM) == self._on_alarm):
                    signal.pthread_kill(self._target, signal.SIGALRM)   # wakes a blocking sleep
            if self._finished.wait(self.retry):
                return
            if not self.abandoned and time.monotonic() - deadline >= self.grace:
                self.abandoned = True
                self.elapsed = time.monotonic() - self._started
                if self.where is None:
                    self.where = _learner_location(sys._current_frames().get(self._target))
                if self.on_stuck is not None:
                    try:
                        self.on_stuck(self)
                    except Exception:  # noqa: BLE001 - keep stopping the check even if telling failed
                        pass


def time_limit(seconds: float, **options: object) -> TimeLimit:
    """``with time_limit(5): ...`` raises :class:`CheckTimeout` in the block after 5 s (no limit if <= 0)."""
    return TimeLimit(seconds, **options)  # type: ignore[arg-type]
