"""Helpers for q06's checks (loaded by path; not collected as checks)."""

import inspect
import re

import numpy as np
import tensorflow as tf


def huber(y_true, y_pred, threshold):
    error = np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64)
    return np.where(np.abs(error) < threshold, error ** 2 / 2, threshold * np.abs(error) - threshold ** 2 / 2)


def metric_bases():
    import keras

    bases = [keras.metrics.Metric]
    try:  # the same class under Keras 3; legacy Keras 2 where TF_USE_LEGACY_KERAS is set
        bases.append(tf.keras.metrics.Metric)
    except Exception:
        pass
    return tuple(bases)


def source_of(cls):
    """The source of a class's own methods (a class defined in a cell has no module file for
    inspect to read; its methods' code does)."""
    if isinstance(cls, type):
        parts = []
        for value in vars(cls).values():
            if inspect.isfunction(value):
                try:
                    parts.append(inspect.getsource(value))
                except (OSError, TypeError):
                    pass
        return "\n".join(parts)
    try:
        return inspect.getsource(cls)
    except (OSError, TypeError):
        return ""


def keras2_message(text, cls=None):
    """Explain a Keras 2 idiom behind an error message (and the class's source), naming the Keras 3 spelling."""
    source = source_of(cls) if cls is not None else ""
    if "to a shape" in text or re.search(r"add_weight\(\s*['\"]", source):
        return ("Keras 3's add_weight takes the shape first, so the variable's name must be given by keyword: "
                "self.add_weight(name=\"total\", initializer=\"zeros\"), not self.add_weight(\"total\", ...).")
    if "dynamic" in text:
        return ("Keras 3 no longer accepts dynamic=True. Remove it; to run a model eagerly, compile it with "
                "run_eagerly=True instead.")
    return None


def metric_class(learner, observations):
    if "HuberMetric" not in learner:
        cell = observations.cell
        if cell is not None and cell.error is not None:
            message = keras2_message(cell.error.message)
            if message:
                raise AssertionError(f"Your cell stopped with {cell.error.type}. {message}")
    cls = learner.require("HuberMetric")
    assert isinstance(cls, type) and issubclass(cls, metric_bases()), (
        "`HuberMetric` should be a class that subclasses keras.metrics.Metric."
    )
    return cls


def make(cls, **kwargs):
    call = f"HuberMetric({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
    try:
        metric = cls(**kwargs)
    except (TypeError, ValueError) as exc:
        message = keras2_message(str(exc), cls)
        if message:
            raise AssertionError(f"`{call}` failed with {type(exc).__name__}: {message}") from None
        if "unexpected keyword argument" in str(exc):
            raise AssertionError(
                f"`{call}` failed: {exc}. __init__ should accept threshold=1.0 and **kwargs, and pass the "
                "**kwargs on to super().__init__()."
            ) from None
        raise
    if "_variables" not in vars(metric) or not hasattr(metric, "name"):
        raise AssertionError(
            f"`{call}` was created, but the base class was never set up: __init__ must call "
            "super().__init__(**kwargs) before creating the state variables."
        )
    return metric


def batches(rng, sizes=(2, 5, 9), spreads=(4.0, 0.3, 1.0)):
    """Batches of different sizes and error spreads: the mean of batch means differs from the overall mean."""
    out = []
    for size, spread in zip(sizes, spreads):
        y_true = rng.normal(size=(size, 1)).astype(np.float32)
        y_pred = (y_true + rng.uniform(-spread, spread, size=(size, 1))).astype(np.float32)
        out.append((y_true, y_pred))
    return out


def value(metric):
    result = metric.result()
    if result is None:
        raise AssertionError("result() returned None: return the running total divided by the running count.")
    return float(np.asarray(result))
