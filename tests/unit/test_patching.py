"""tfgrade.patching: every temporary change is put back, all steps attempted, interrupts held back."""

from __future__ import annotations

import os
import signal
from contextlib import ExitStack

import pytest

from tfgrade.patching import Patches, RestoreError, interrupts_deferred, patched


class Base:
    def method(self) -> str:
        return "base"


class Child(Base):
    own = "own"


class RefusesSecondSet:
    """An owner whose attribute can be set once (the patch) but not again (the restore)."""

    def __init__(self) -> None:
        object.__setattr__(self, "value", "original")
        object.__setattr__(self, "sets", 0)

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, "sets", self.sets + 1)
        if self.sets > 1:
            raise RuntimeError(f"cannot put {name} back")
        object.__setattr__(self, name, value)


def test_attributes_are_put_back_exactly_and_inherited_ones_are_not_copied():
    original_own = Child.__dict__["own"]
    with Patches() as patches:
        assert patches.setattr(Child, "own", "patched") == "own"
        previous = patches.setattr(Child, "method", lambda self: "patched")
        assert previous is Base.method
        assert Child().method() == "patched" and Child.own == "patched"
    assert Child.__dict__["own"] is original_own
    assert "method" not in Child.__dict__          # inherited: deleted again, not copied onto Child
    assert Child().method() == "base"


def test_restore_goes_on_past_a_failing_step_and_raises_after():
    first, stubborn, last = Child(), RefusesSecondSet(), Child()
    patches = Patches()
    patches.setattr(first, "own", "patched-1")
    patches.setattr(stubborn, "value", "patched-2")
    patches.setattr(last, "own", "patched-3")
    with pytest.raises(RuntimeError, match="cannot put value back"):
        patches.restore()
    # the steps before and after the failing one were both undone
    assert "own" not in vars(first) and "own" not in vars(last)
    assert len(patches) == 0


def test_several_failures_are_all_reported():
    calls: list[str] = []

    def fail(name: str) -> None:
        calls.append(name)
        raise ValueError(name)

    patches = Patches()
    patches.callback(fail, "a")
    patches.callback(calls.append, "middle")
    patches.callback(fail, "b")
    with pytest.raises(RestoreError) as caught:
        patches.restore()
    assert calls == ["b", "middle", "a"]              # last first, every step attempted
    assert [str(e) for e in caught.value.exceptions] == ["b", "a"]


def test_a_keyboard_interrupt_in_one_step_does_not_stop_the_others():
    def interrupted() -> None:
        raise KeyboardInterrupt

    target = Child()
    patches = Patches()
    patches.setattr(target, "own", "patched")
    patches.callback(interrupted)
    with pytest.raises(KeyboardInterrupt):
        patches.restore()
    assert "own" not in vars(target)


def test_patched_fits_an_exit_stack():
    with ExitStack() as stack:
        stack.enter_context(patched(Child, "own", "patched"))
        assert Child.own == "patched"
    assert Child.own == "own"


def test_an_interrupt_inside_the_window_is_raised_after_it():
    steps: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            steps.append("still running")      # not interrupted inside the window
    assert steps == ["still running"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_nested_windows_deliver_once_at_the_outer_end():
    steps: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            with interrupts_deferred():
                os.kill(os.getpid(), signal.SIGINT)
            steps.append("inner window closed, still running")
    assert steps == ["inner window closed, still running"]
