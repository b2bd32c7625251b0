"""Optimizers probe: which optimizer updated which variables, how often, at what rate.

While code runs, every call of a Keras optimizer's ``apply`` (what ``apply_gradients``
calls in Keras 3; ``LossScaleOptimizer`` and ``MultiOptimizer`` included) and, when the
legacy ``tf_keras`` package is loaded, of its ``apply_gradients``, is recorded with the
optimizer's identity, class and learning rate and the variables that received a gradient.
Patches are made on the classes (so optimizers created later are seen) through
:class:`tfgrade.patching.Patches` and put back exactly.

Steps are counted with the optimizer's own ``iterations`` counter, so a training step
compiled with ``tf.function`` (where Python runs only while tracing) is counted right.
Each variable's value is copied when an optimizer first touches it, so the observation
can say whether the variable really changed.
"""

from __future__ import annotations

import sys
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from ..patching import Patches
from ..report import Diagnostic

__all__ = ["OptimizerObservation", "OptimizerRecord", "OptimizersProbe", "VariableInfo"]


@dataclass(frozen=True)
class VariableInfo:
    id: int                  # id() of the variable object the optimizer received
    path: str                # Keras 3 path, e.g. "sequential/dense/kernel" (else the name)
    name: str
    layer: str               # the owning layer's path, when the path says it ("" otherwise)
    shape: tuple[int, ...]
    changed: bool | None     # value differs from when the optimizer first touched it (None: unknown)


@dataclass(frozen=True)
class OptimizerRecord:
    id: int
    class_name: str          # e.g. "Adam"
    module: str              # e.g. "keras.src.optimizers.adam"
    name: str                # the optimizer's own name
    learning_rate: float | None        # when first seen (None: not a number, e.g. a schedule)
    final_learning_rate: float | None  # when the probe ended
    calls: int               # Python-level apply calls (under tf.function: traces, not steps)
    steps: int               # updates made while the probe ran (its iterations counter)
    variables: tuple[VariableInfo, ...]
    delegates: bool = False  # a wrapper (MultiOptimizer, LossScaleOptimizer) that called another
    traced_calls: int = 0    # calls made while a tf.function was being traced
    # The Keras training method that drove its steps ("fit", "train_on_batch"), "" for a loop of the
    # cell's own: Keras calls a model's train_step, even a learner's own, from inside those.
    driven_by: str = ""
    ref: Callable[[], Any] = field(default=lambda: None, repr=False, compare=False)

    @property
    def variable_ids(self) -> frozenset[int]:
        return frozenset(v.id for v in self.variables)

    @property
    def changed_ids(self) -> frozenset[int]:
        return frozenset(v.id for v in self.variables if v.changed)

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.layer for v in self.variables if v.layer))

    @property
    def optimizer(self) -> Any:
        """The optimizer object itself, while it is alive (else None)."""
        return self.ref()

    def describe(self) -> str:
        rate = "?" if self.learning_rate is None else f"{self.learning_rate:g}"
        return f"{self.class_name}(learning_rate={rate})"


@dataclass(frozen=True)
class OptimizerObservation:
    optimizers: tuple[OptimizerRecord, ...] = ()

    def __iter__(self) -> Iterator[OptimizerRecord]:
        return iter(self.optimizers)

    def __len__(self) -> int:
        return len(self.optimizers)

    @property
    def updaters(self) -> tuple[OptimizerRecord, ...]:
        """Optimizers that updated variables themselves (not wrappers) and took a step."""
        return tuple(o for o in self.optimizers if not o.delegates and o.steps > 0)

    def owner_of(self, variable: Any) -> tuple[OptimizerRecord, ...]:
        """The optimizers that updated ``variable`` (a variable object)."""
        return tuple(o for o in self.updaters if id(variable) in o.variable_ids)


# -- recording ----------------------------------------------------------------------------
def _in_graph() -> bool:
    tf = sys.modules.get("tensorflow")
    try:
        return tf is not None and not tf.executing_eagerly()
    except Exception:
        return False


def _eager_value(read: Callable[[], Any]) -> Any:
    """Run ``read`` outside any tf.function being traced (values, not symbols)."""
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        with tf.init_scope():
            return read()
    return read()


def _array(variable: Any) -> np.ndarray | None:
    def read() -> np.ndarray:
        value = getattr(variable, "value", variable)
        value = value() if callable(value) and not hasattr(value, "numpy") else value
        return np.array(value.numpy() if hasattr(value, "numpy") else value, copy=True)

    try:
        return _eager_value(read)
    except Exception:
        return None


def _number(read: Callable[[], Any]) -> float | None:
    def as_float() -> float:
        value = read()
        value = value.numpy() if hasattr(value, "numpy") else value
        return float(np.asarray(value).reshape(()))

    try:
        return _eager_value(as_float)
    except Exception:
        return None


_KERAS_TRAINING = frozenset({"fit", "train_on_batch"})


def _keras_training_caller() -> str:
    """The Keras training method (fit, train_on_batch) somewhere up this thread's Python stack."""
    frame = sys._getframe(2)
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if frame.f_code.co_name in _KERAS_TRAINING and module.partition(".")[0] in ("keras", "tf_keras"):
            return frame.f_code.co_name
        frame = frame.f_back
    return ""


def _learning_rate(optimizer: Any) -> float | None:
    return _number(lambda: optimizer.learning_rate)


def _iterations(optimizer: Any) -> int | None:
    value = _number(lambda: optimizer.iterations)
    return None if value is None else int(value)


class _Var:
    __slots__ = ("ref", "id", "path", "name", "shape", "initial")

    def __init__(self, variable: Any) -> None:
        self.id = id(variable)
        try:
            self.ref: Callable[[], Any] = weakref.ref(variable)
        except TypeError:
            self.ref = lambda v=variable: v
        self.name = str(getattr(variable, "name", "") or "")
        self.path = str(getattr(variable, "path", "") or self.name)
        try:
            self.shape = tuple(int(d) for d in variable.shape)
        except Exception:
            self.shape = ()
        self.initial = _array(variable)

    def info(self) -> VariableInfo:
        changed: bool | None = None
        variable = self.ref()
        if variable is not None and self.initial is not None:
            now = _array(variable)
            if now is not None:
                changed = bool(now.shape != self.initial.shape or not np.array_equal(now, self.initial, equal_nan=True))
        layer = self.path.rsplit("/", 1)[0] if "/" in self.path else ""
        return VariableInfo(self.id, self.path, self.name, layer, self.shape, changed)


class _Seen:
    """What is known about one optimizer."""

    def __init__(self, optimizer: Any) -> None:
        self.ref = weakref.ref(optimizer)
        cls = type(optimizer)
        self.id, self.class_name, self.module = id(optimizer), cls.__name__, cls.__module__
        self.name = str(getattr(optimizer, "name", "") or "")
        self.learning_rate = _learning_rate(optimizer)
        self.start_iterations = _iterations(optimizer)
        self.calls = self.traced = 0
        self.delegates = False
        self.driven_by = ""
        self.variables: dict[int, _Var] = {}

    def touch(self, grads: Any, variables: Any) -> None:
        try:
            pairs = list(zip(list(grads), list(variables)))
        except TypeError:
            return
        for grad, variable in pairs:
            if grad is not None and id(variable) not in self.variables:
                self.variables[id(variable)] = _Var(variable)

    def record(self) -> OptimizerRecord:
        optimizer = self.ref()
        steps = self.calls
        final_rate = self.learning_rate
        if optimizer is not None:
            end = _iterations(optimizer)
            if end is not None and self.start_iterations is not None:
                steps = max(end - self.start_iterations, 0)
            final_rate = _learning_rate(optimizer)
        return OptimizerRecord(
            id=self.id, class_name=self.class_name, module=self.module, name=self.name,
            learning_rate=self.learning_rate, final_learning_rate=final_rate,
            calls=self.calls, steps=steps, variables=tuple(v.info() for v in self.variables.values()),
            delegates=self.delegates, traced_calls=self.traced, driven_by=self.driven_by, ref=self.ref,
        )


def _optimizer_classes() -> list[tuple[type, str]]:
    """(class, method) pairs to patch: Keras 3's base and any class with its own ``apply``."""
    targets: list[tuple[type, str]] = []
    import keras

    base = keras.optimizers.Optimizer
    for cls in base.__mro__:
        if "apply" in cls.__dict__:
            targets.append((cls, "apply"))
            break
    seen = {cls for cls, _ in targets}
    for name in dir(keras.optimizers):
        cls = getattr(keras.optimizers, name, None)
        if isinstance(cls, type) and issubclass(cls, base) and "apply" in cls.__dict__ and cls not in seen:
            targets.append((cls, "apply"))
            seen.add(cls)
    legacy = sys.modules.get("tf_keras")
    if legacy is not None:   # Keras 2 (TF_USE_LEGACY_KERAS=1): only if the learner loaded it
        for holder in (getattr(legacy, "optimizers", None), getattr(getattr(legacy, "optimizers", None), "legacy", None)):
            cls = getattr(holder, "Optimizer", None)
            if isinstance(cls, type) and cls not in seen:
                for klass in cls.__mro__:
                    if "apply_gradients" in klass.__dict__:
                        targets.append((klass, "apply_gradients"))
                        seen.add(klass)
                        break
    return targets


class OptimizersProbe:
    name = "optimizers"

    def __init__(self, context: Any) -> None:
        self._context = context
        self._seen: dict[int, _Seen] = {}
        self._order: list[int] = []
        self._patches = Patches()
        self._local = threading.local()
        self._records: tuple[OptimizerRecord, ...] = ()

    def __enter__(self) -> "OptimizersProbe":
        try:
            for cls, method in _optimizer_classes():
                self._patches.setattr(cls, method, self._wrap(getattr(cls, method), method))
        except BaseException:
            self._patches.restore()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self._patches.restore()
        finally:
            self._records = tuple(self._seen[key].record() for key in self._order)

    def _wrap(self, original: Callable[..., Any], method: str) -> Callable[..., Any]:
        probe = self

        def patched(optimizer: Any, *args: Any, **kwargs: Any) -> Any:
            # Iterators (zip(grads, vars)) are read once here and handed on as lists.
            args = tuple(a if isinstance(a, (list, tuple)) or not hasattr(a, "__iter__") or hasattr(a, "shape")
                         else list(a) for a in args)
            try:
                probe._before(optimizer, method, args, kwargs)
            except Exception:   # watching must never break training
                pass
            stack = probe._stack()
            stack.append(id(optimizer))
            try:
                return original(optimizer, *args, **kwargs)
            finally:
                stack.pop()

        patched.__name__ = getattr(original, "__name__", method)
        patched.__doc__ = getattr(original, "__doc__", None)
        patched.__wrapped__ = original   # type: ignore[attr-defined]
        return patched

    def _stack(self) -> list[int]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def _before(self, optimizer: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        stack = self._stack()
        if stack and stack[-1] == id(optimizer):
            return   # a subclass's apply calling its base class's: one call
        if stack and stack[-1] in self._seen:
            self._seen[stack[-1]].delegates = True
        key = id(optimizer)
        seen = self._seen.get(key)
        if seen is None or seen.ref() is not optimizer:
            seen = self._seen[key] = _Seen(optimizer)
            if key in self._order:
                self._order.remove(key)
            self._order.append(key)
        seen.calls += 1
        if _in_graph():
            seen.traced += 1
        if not seen.driven_by:
            seen.driven_by = _keras_training_caller()
        if method == "apply_gradients":
            pairs = list(args[0] if args else kwargs.get("grads_and_vars", ()))
            grads, variables = [g for g, _ in pairs], [v for _, v in pairs]
        else:
            grads = args[0] if args else kwargs.get("grads", ())
            variables = args[1] if len(args) > 1 else kwargs.get("trainable_variables")
            if variables is None:
                variables = list(getattr(optimizer, "_trainable_variables", []) or [])
        seen.touch(grads, variables)

    def observation(self) -> OptimizerObservation:
        return OptimizerObservation(self._records)

    def diagnostics(self) -> list[Diagnostic]:
        return []
