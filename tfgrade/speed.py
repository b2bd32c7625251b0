"""Speed hint: how much faster a training step runs as a graph than eagerly.

For training-step exercises, a check can time the learner's step both ways and record
the ratio with the ``advise`` fixture, so the learner sees what ``tf.function`` buys::

    from tfgrade.checking import measure_graph_speedup

    def check_speed_hint(learner, advise):
        step = learner["train_step"]
        result = measure_graph_speedup(step, x, y, steps=5, time_budget=4.0,
                                       restore=[learner["model"], learner["optimizer"]])
        advise(result.message(), fix=result.fix(), kind="speed", **result.to_dict())

``step`` may be a ``tf.function`` (its Python function is the eager version) or a plain
Python function (it is wrapped in ``tf.function`` for the graph version). Each version
runs at most ``steps`` times after one warm-up call, and stops early when its half of
``time_budget`` is spent. Training changes variables: pass the models, optimizers or
variables the step updates as ``restore`` and their values are put back afterwards
(optimizer slot variables created by the measurement stay, with restored values).
The measurement runs under :func:`tfgrade.checking.graph_mode`, so a learner's
``tf.config.run_functions_eagerly(True)`` is switched off for it and put back after.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable

from .checking import graph_mode

__all__ = ["SpeedResult", "measure_graph_speedup"]


@dataclass(frozen=True)
class SpeedResult:
    eager_seconds: float     # mean seconds per eager step
    graph_seconds: float     # mean seconds per graph step, tracing excluded
    trace_seconds: float     # the first graph call (tracing included)
    eager_steps: int
    graph_steps: int

    @property
    def ratio(self) -> float:
        """How many times faster the graph step is (above 1: the graph is faster)."""
        return self.eager_seconds / self.graph_seconds if self.graph_seconds > 0 else float("inf")

    def message(self) -> str:
        ms = lambda s: f"{s * 1000:.1f} ms"  # noqa: E731
        if self.ratio >= 1.15:
            verdict = f"as a graph it runs {self.ratio:.1f}x faster"
        elif self.ratio <= 0.87:
            verdict = "as a graph it is not faster here (small steps are dominated by call overhead)"
        else:
            verdict = "as a graph it runs at about the same speed here"
        return (f"Your training step takes {ms(self.eager_seconds)} eagerly and {ms(self.graph_seconds)} "
                f"inside tf.function ({verdict}; tracing it once took {ms(self.trace_seconds)}).")

    def fix(self) -> str:
        if self.ratio >= 1.15:
            return "Decorate the training step with @tf.function (and keep its inputs as tensors of stable shapes)."
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": round(self.ratio, 3) if self.graph_seconds > 0 else None}


def _python_function(step: Any) -> Callable[..., Any] | None:
    return getattr(step, "python_function", None)


def _variables(objects: Iterable[Any]) -> list[Any]:
    found: list[Any] = []
    for obj in objects:
        if obj is None:
            continue
        if hasattr(obj, "assign") and hasattr(obj, "numpy"):      # a variable itself
            found.append(obj)
            continue
        variables = getattr(obj, "variables", None)
        if variables is not None:
            found.extend(list(variables() if callable(variables) else variables))
    return found


def _snapshot(variables: list[Any]) -> list[tuple[Any, Any]]:
    import numpy as np

    return [(v, np.array(v.numpy(), copy=True)) for v in variables if hasattr(v, "assign") and hasattr(v, "numpy")]


def _block(result: Any) -> None:
    """Wait for (possibly asynchronous, e.g. GPU) results before reading the clock."""
    import tensorflow as tf

    for leaf in tf.nest.flatten(result)[-1:]:
        if hasattr(leaf, "numpy"):
            leaf.numpy()


def _time(fn: Callable[..., Any], args: tuple, kwargs: dict, steps: int, budget: float) -> tuple[float, int]:
    total, done = 0.0, 0
    while done < steps and total < budget:
        began = time.perf_counter()
        _block(fn(*args, **kwargs))
        total += time.perf_counter() - began
        done += 1
    return (total / done if done else 0.0), done


def measure_graph_speedup(
    step: Callable[..., Any],
    *args: Any,
    steps: int = 5,
    time_budget: float = 5.0,
    restore: Iterable[Any] = (),
    **kwargs: Any,
) -> SpeedResult:
    """Time ``step(*args, **kwargs)`` eagerly and as a ``tf.function``; see the module docstring."""
    import tensorflow as tf

    eager = _python_function(step) or step
    graph = step if _python_function(step) is not None else tf.function(step)
    saved = _snapshot(_variables(restore))
    half = max(time_budget, 0.0) / 2
    try:
        with graph_mode():
            _block(eager(*args, **kwargs))                    # warm-up (creates optimizer slots)
            eager_mean, eager_steps = _time(eager, args, kwargs, steps, half)
            began = time.perf_counter()
            _block(graph(*args, **kwargs))                    # tracing, or a warm call if traced already
            trace_seconds = time.perf_counter() - began
            graph_mean, graph_steps = _time(graph, args, kwargs, steps, half)
    finally:
        for variable, value in saved:
            try:
                variable.assign(value)
            except Exception:
                pass
    return SpeedResult(eager_seconds=eager_mean, graph_seconds=graph_mean, trace_seconds=trace_seconds,
                       eager_steps=eager_steps, graph_steps=graph_steps)
