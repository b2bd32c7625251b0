"""timelimit: a watchdog stops a runaway check on the main thread and in worker threads, whatever
the learner's code does to timers or exceptions; what cannot be stopped is handed to ``on_stuck``."""

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
    assert time.perf_counter() - began > 0.15            # not before the limit
    assert "limit of 0.2 s" in str(info.value)


def test_infinite_loop_in_a_worker_thread_is_stopped():
    caught: list[BaseException] = []

    def worker() -> None:
        try:
            with time_limit(0.2):
                _spin_forever()
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            caught.append(exc)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "the watchdog did not stop the loop"
    assert len(caught) == 1 and isinstance(caught[0], CheckTimeout)


def test_fast_code_is_not_interrupted_and_nothing_lingers():
    previous = signal.getsignal(signal.SIGALRM)
    outer_left, outer_interval = signal.getitimer(signal.ITIMER_REAL)   # pytest-timeout may run one
    with time_limit(5):
        value = sum(range(1000))
    assert value == 499500
    left, interval = signal.getitimer(signal.ITIMER_REAL)
    if outer_left == 0:
        assert (left, interval) == (0.0, 0.0), "the check's timer is left running"
    else:   # an outer timer keeps what was left of its own time, never the check's 5 s
        assert 5 < left <= outer_left and interval == outer_interval
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


def test_outer_alarm_handler_and_timer_are_left_to_their_owner():
    fired: list[int] = []

    def outer(signum, frame):
        fired.append(signum)

    previous = signal.signal(signal.SIGALRM, outer)
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        with time_limit(5):
            time.sleep(0.05)
        assert signal.getsignal(signal.SIGALRM) is outer
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining < 1.0, "the outer timer was cancelled or restarted"
        while not fired and signal.getitimer(signal.ITIMER_REAL)[0] > 0:
            time.sleep(0.05)
        time.sleep(0.05)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_an_outer_alarm_inside_the_block_reaches_its_own_handler():
    fired: list[float] = []

    def outer(signum, frame):
        fired.append(time.perf_counter())

    previous = signal.signal(signal.SIGALRM, outer)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with time_limit(5):
            while not fired:
                time.sleep(0.01)                        # the outer deadline passes in here
        assert len(fired) == 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_learner_cancelling_interval_timers_does_not_cancel_the_limit():
    with pytest.raises(CheckTimeout):
        with time_limit(0.2):
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.alarm(0)
            _spin_forever()


def test_a_block_that_swallows_the_timeout_and_returns_still_timed_out():
    swallowed = []
    with pytest.raises(CheckTimeout) as info:
        with time_limit(0.2) as limit:
            try:
                _spin_forever()
            except BaseException as exc:  # noqa: BLE001 - what a hostile learner writes
                swallowed.append(type(exc))
    assert swallowed == [CheckTimeout]
    assert limit.fired and info.value.seconds == 0.2


def test_a_block_that_swallows_every_timeout_is_handed_to_on_stuck():
    calls = []
    release = threading.Event()

    def on_stuck(limit):
        calls.append((limit.abandoned, limit.fired, limit.where))
        release.set()                                   # in a kernel it would spin on; here we end it

    give_up = time.monotonic() + 10                     # should on_stuck never come, the test ends anyway
    with pytest.raises(CheckTimeout):
        with time_limit(0.1, on_stuck=on_stuck, grace=0.3, retry=0.05):
            while not release.is_set() and time.monotonic() < give_up:
                try:
                    _spin_forever()
                except BaseException:  # noqa: BLE001
                    pass
    assert calls == [(True, True, None)]                # None: no learner cell frame in this test


def test_the_real_elapsed_time_and_the_learner_line_are_reported():
    """A worker thread stuck in one long call (no signal reaches it) stops only when it returns:
    the timeout says how long it really ran, and where the learner's code was."""
    from tfgrade.execute import run_cell

    namespace = {"__name__": "__main__"}
    run_cell("import time\ndef slow_step():\n    time.sleep(0.8)\n", namespace, first_line=2)
    caught = []

    def worker():
        try:
            with time_limit(0.2):
                namespace["slow_step"]()
        except CheckTimeout as exc:
            caught.append(exc)

    thread = threading.Thread(target=worker)
    with time_limit(0) as unlimited:                      # 0: no limit at all
        thread.start()
        thread.join(10)
    assert unlimited.fired is False
    [timeout] = caught
    assert timeout.elapsed >= 0.75 and timeout.seconds == 0.2
    assert str(timeout).startswith(f"stopped after {timeout.elapsed:.1f} s")


def test_the_learner_line_is_recorded_when_the_limit_hits():
    from tfgrade.execute import run_cell

    namespace = {"__name__": "__main__"}
    run_cell("def spin():\n    while True:\n        pass\n", namespace, first_line=2)
    with pytest.raises(CheckTimeout):
        with time_limit(0.2) as limit:
            namespace["spin"]()
    assert limit.where is not None
    assert (limit.where.line, limit.where.function) in {(3, "spin"), (4, "spin")}
    assert limit.where.code in {"while True:", "pass"}


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


_UNDER_A_TRACER_SCRIPT = """
import sys, time
from tfgrade.errors import CheckTimeout
from tfgrade.timelimit import time_limit

def spin(seconds):
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        pass

sys.{install}(lambda *args: None)      # a debugger, coverage or profiler, as a learner may run one
for attempt in range(3):
    try:
        with time_limit(0.2):
            spin(1.0)
        print("not stopped", flush=True)
    except CheckTimeout:
        print("stopped", attempt, flush=True)
sys.{install}(None)
print("done", flush=True)
"""


@pytest.mark.parametrize("install", ["settrace", "setprofile"])
def test_a_limit_that_fires_under_a_tracer_or_profiler_ends(install):
    """With a trace or profile function active (a debugger, coverage, cProfile), leaving a
    limit that fired must not spin: the kernel would hang at 100% CPU."""
    import subprocess
    import sys

    script = _UNDER_A_TRACER_SCRIPT.replace("{install}", install)
    try:
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=20)
        out = result.stdout
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    assert out.split() == ["stopped", "0", "stopped", "1", "stopped", "2", "done"], out


def test_an_on_stuck_that_raises_writes_nothing_and_the_limit_still_holds(capfd, monkeypatch):
    release = threading.Event()
    escaped: list[BaseException] = []             # what would reach threading.excepthook (the cell's stderr)
    monkeypatch.setattr(threading, "excepthook", lambda args: escaped.append(args.exc_value))

    def on_stuck(limit):
        release.set()
        raise RuntimeError("telling the learner failed")

    give_up = time.monotonic() + 10
    capfd.readouterr()
    with pytest.raises(CheckTimeout):
        with time_limit(0.1, on_stuck=on_stuck, grace=0.2, retry=0.05):
            while time.monotonic() < give_up and not release.is_set():
                try:
                    while time.monotonic() < give_up:
                        pass
                except BaseException:  # noqa: BLE001 - swallows every timeout
                    pass
    assert release.is_set()
    assert escaped == []
    assert capfd.readouterr() == ("", "")
