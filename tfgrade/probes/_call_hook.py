"""The ``tf.function`` call hook shared by the tracing and devices probes.

While at least one listener is registered, ``Function.__call__`` is replaced by a thin
wrapper that reads the function's tracing count before and after the real call and hands
``(fn, args, kwargs, traces_before, traces_after, result, error)`` to each listener. The
original ``__call__`` is put back (the very same object) as soon as the last listener
leaves, so a plain ``tf.function`` call costs the same after any number of graded cells.
A failing listener never changes what the learner's call returns or raises.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from ..patching import Patches

__all__ = ["CallListener", "add_listener", "remove_listener", "tracing_count", "hook_installed", "listener_count"]

CallListener = Callable[[Any, tuple, dict, "int | None", "int | None", Any, "BaseException | None"], None]


def tracing_count(fn: Any) -> int | None:
    try:
        return int(fn.experimental_get_tracing_count())
    except Exception:
        return None


class _CallHook:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.listeners: tuple[CallListener, ...] = ()
        self.patches: Patches | None = None

    def add(self, listener: CallListener) -> bool:
        with self.lock:
            if not self.listeners and not self._install():
                return False
            self.listeners = (*self.listeners, listener)
            return True

    def remove(self, listener: CallListener) -> None:
        # Equality, not identity: each `probe._on_call` is a new bound-method object.
        with self.lock:
            listeners = list(self.listeners)
            if listener in listeners:
                listeners.remove(listener)
            self.listeners = tuple(listeners)
            if not self.listeners and self.patches is not None:
                patches, self.patches = self.patches, None
                patches.restore()

    def _install(self) -> bool:
        try:
            import tensorflow as tf

            cls = type(tf.function(lambda: None))
            original = cls.__dict__["__call__"]
            if not isinstance(cls, type) or not callable(original):
                return False
        except Exception:
            return False
        hook = self

        def __call__(fn: Any, *args: Any, **kwargs: Any) -> Any:   # noqa: N807 - the patched method
            listeners = hook.listeners
            if not listeners:
                return original(fn, *args, **kwargs)
            before = tracing_count(fn)
            result: Any = None
            error: BaseException | None = None
            try:
                result = original(fn, *args, **kwargs)
                return result
            except BaseException as exc:
                error = exc
                raise
            finally:
                after = tracing_count(fn)
                for listener in listeners:
                    try:
                        listener(fn, args, kwargs, before, after, result, error)
                    except Exception:   # a probe must never change what learner code does
                        pass

        __call__.__wrapped__ = original   # type: ignore[attr-defined]
        patches = Patches()
        patches.setattr(cls, "__call__", __call__)
        self.patches = patches
        return True


_HOOK = _CallHook()


def hook_installed() -> bool:
    """Whether ``Function.__call__`` is patched now (only while some probe listens)."""
    return _HOOK.patches is not None


def add_listener(listener: CallListener) -> bool:
    """Call ``listener`` after every ``tf.function`` call until removed; False when the hook
    cannot be installed (TensorFlow internals changed), and then the probe falls back."""
    return _HOOK.add(listener)


def remove_listener(listener: CallListener) -> None:
    """Stop calling ``listener``; the last one to leave puts ``Function.__call__`` back."""
    _HOOK.remove(listener)


def listener_count() -> int:
    """How many probes listen now (0 after every probe has exited)."""
    return len(_HOOK.listeners)
