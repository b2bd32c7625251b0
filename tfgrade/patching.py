"""Temporary changes to global state that are always put back: the one way probes patch.

:class:`Patches` records each change as it is made (an attribute set on a class or
module, a handler or filter added to a logger, a listener registered) and undoes them
all on exit, last first. Undoing goes on past a step that fails: every step is
attempted, and the errors are raised together afterwards, so one broken restore never
leaves the rest patched. In the spirit of ipytest's ``patch``; it also fits an
``ExitStack``::

    with Patches() as patches:
        patches.setattr(SomeClass, "method", replacement)
        logger.addFilter(my_filter)
        patches.callback(logger.removeFilter, my_filter)
        ...                                # everything is back after the block

    stack.enter_context(patched(SomeClass, "method", replacement))

:func:`interrupts_deferred` guards the short windows in which global state is half
changed (file descriptors being swapped, probes being entered or left): a Ctrl-C / kernel
interrupt that arrives inside is raised right after the window, once state is whole.
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

__all__ = ["Patches", "patched", "RestoreError", "interrupts_deferred", "environ_set"]

_MISSING = object()


class RestoreError(BaseExceptionGroup):
    """Several steps of putting global state back failed (each was still attempted)."""


def _put_back(owner: Any, name: str, saved: Any) -> None:
    if saved is _MISSING:
        try:
            delattr(owner, name)
        except AttributeError:
            pass
    else:
        setattr(owner, name, saved)


class Patches:
    """A stack of undo steps for temporary changes; see the module docstring."""

    def __init__(self) -> None:
        self._undo: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def setattr(self, owner: Any, name: str, value: Any) -> Any:
        """Set ``owner.name = value`` until exit; return what ``getattr(owner, name)`` gave before.

        What is put back is exactly what ``owner`` itself held (an inherited attribute is
        deleted again rather than copied onto ``owner``).
        """
        previous = getattr(owner, name, None)
        saved = vars(owner).get(name, _MISSING) if hasattr(owner, "__dict__") else getattr(owner, name, _MISSING)
        setattr(owner, name, value)
        self._undo.append((_put_back, (owner, name, saved)))
        return previous

    def callback(self, undo: Callable[..., Any], *args: Any) -> None:
        """Call ``undo(*args)`` on exit (after the steps registered later)."""
        self._undo.append((undo, args))

    def restore(self) -> None:
        """Undo every step, last first; raise what failed once all were attempted."""
        errors: list[BaseException] = []
        while self._undo:
            undo, args = self._undo.pop()
            try:
                undo(*args)
            except BaseException as error:   # keep restoring the rest (KeyboardInterrupt included)
                errors.append(error)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise RestoreError("several steps of restoring tfgrade's patches failed", errors)

    def __len__(self) -> int:
        return len(self._undo)

    def __enter__(self) -> "Patches":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.restore()


def patched(owner: Any, name: str, value: Any) -> Patches:
    """One attribute patch as a context manager (``with patched(obj, "x", 1): ...``)."""
    patches = Patches()
    patches.setattr(owner, name, value)
    return patches


class _DeferredInterrupt:
    def __init__(self, previous: Any) -> None:
        self.previous = previous
        self.pending: tuple[int, Any] | None = None

    def __call__(self, signum: int, frame: Any) -> None:
        self.pending = (signum, frame)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold back SIGINT inside the block and deliver it (to the previous handler) on leaving.

    Only the main thread can change signal handlers; elsewhere, and when already inside
    such a block, this does nothing.
    """
    if threading.current_thread() is not threading.main_thread() \
            or isinstance(signal.getsignal(signal.SIGINT), _DeferredInterrupt):
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is None:    # installed outside Python: it could not be put back
        yield
        return
    deferred = _DeferredInterrupt(previous)
    signal.signal(signal.SIGINT, deferred)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, deferred.previous)
        if deferred.pending is not None:
            if callable(deferred.previous):
                deferred.previous(*deferred.pending)
            elif deferred.previous == signal.SIG_DFL:
                raise KeyboardInterrupt


@contextmanager
def environ_set(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set environment variables for the block (``None``: unset); each is put back after."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        _apply_environ(values)
        yield
    finally:
        _apply_environ(saved)


def _apply_environ(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
