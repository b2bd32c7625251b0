"""timelimit: stop a runaway check on the main thread (SIGALRM) and in worker threads (watchdog)."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from tfgrade.errors import CheckTimeout
from tfgrade.timelimit import time_limit

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")


def _spin_forever() -> None:
    while True:
        pass


def test_infinite_loop_on_the_main_thread_is_stopped():
    assert threading.current_thread() is threading.main_thread()
    began = time.perf_counter()
    with pytest.raises(CheckTimeout) as info:
        with time_limit(0.2):
            _spin_forever()
    assert 0.15 < time.perf_counter() - began < 5
    assert "0.2 s" in str(info.value)


def test_infinite_loop_in_a_worker_thread_is_stopped():
    caught: list[BaseException] = []

    def worker() -> None:
        try:
            with time_limit(0.2):
                _spin_forever()
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            caught.append(exc)

    began = time.perf_counter()
    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "the watchdog did not stop the loop"
    assert len(caught) == 1 and isinstance(caught[0], CheckTimeout)
    assert time.perf_counter() - began < 5


def test_fast_code_is_not_interrupted_and_nothing_lingers():
    previous = signal.getsignal(signal.SIGALRM)
    with time_limit(5):
        value = sum(range(1000))
    assert value == 499500
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is previous
    time.sleep(0.05)                                    # no stray alarm arrives afterwards


def test_fast_code_in_a_worker_thread_gets_no_late_exception():
    caught: list[BaseException] = []

    def worker() -> None:
        try:
            with time_limit(0.2):
                pass
            time.sleep(0.5)                             # past the limit: nothing may land here
        except BaseException as exc:  # noqa: BLE001
            caught.append(exc)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    thread.join(10)
    assert caught == []


def test_zero_or_negative_limit_means_no_limit():
    with time_limit(0):
        time.sleep(0.05)
    with time_limit(-1):
        pass


def test_exception_from_the_block_passes_through_and_timer_is_cleared():
    with pytest.raises(KeyError):
        with time_limit(5):
            raise KeyError("x")
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_outer_alarm_handler_and_timer_are_restored():
    fired: list[int] = []

    def outer(signum, frame):
        fired.append(signum)

    previous = signal.signal(signal.SIGALRM, outer)
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        began = time.perf_counter()
        with time_limit(5):
            time.sleep(0.3)
        inner_took = time.perf_counter() - began
        assert signal.getsignal(signal.SIGALRM) is outer
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert remaining > 0, "the outer timer was cancelled"
        # The outer timer keeps its deadline: the time spent inside counts against it.
        assert remaining <= 1.0 - inner_took + 0.05
        time.sleep(remaining + 0.3)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_outer_deadline_that_passed_inside_fires_right_after():
    fired: list[float] = []

    def outer(signum, frame):
        fired.append(time.perf_counter())

    previous = signal.signal(signal.SIGALRM, outer)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with time_limit(5):
            time.sleep(0.6)                             # the outer deadline passes in here
        left = time.perf_counter()
        time.sleep(0.8)
        assert fired, "the outer timer never fired"
        assert fired[0] - left < 0.25, "the outer timer was postponed by the time spent inside"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_BROAD_EXCEPT_SCRIPT = """
import sys, threading, time
from tfgrade.errors import CheckTimeout
from tfgrade.timelimit import time_limit

def train_epoch():
    while True:                # an epoch that never ends
        pass

def learner_loop():
    # a learner's retry loop: swallows every Exception
    while True:
        try:
            train_epoch()
        except Exception:
            print("retrying")

def run():
    try:
        with time_limit(0.3):
            learner_loop()
    except CheckTimeout:
        return "stopped"
    return "finished?"

box = []
thread = threading.Thread(target=lambda: box.append(run()), daemon=True)
thread.start()
thread.join(3)
print("thread:", box[0] if box else "still running", flush=True)
print("main:", run(), flush=True)
"""


def test_a_broad_except_in_learner_code_does_not_swallow_the_time_limit():
    """``except Exception`` in a learner's loop must not make a check unstoppable (the kernel
    would hang): the timeout has to get through it, as pytest's own outcomes and
    KeyboardInterrupt do by not being Exceptions."""
    import subprocess
    import sys

    try:
        result = subprocess.run([sys.executable, "-c", _BROAD_EXCEPT_SCRIPT], capture_output=True, text=True,
                                timeout=8)
        out = result.stdout
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    assert "thread: stopped" in out, out
    assert "main: stopped" in out, out
