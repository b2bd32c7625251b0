"""Helpers shared by q05's checks and hidden checks (loaded by path; not collected as checks)."""

import inspect
import re

import numpy as np
import tensorflow as tf

from tfgrade.checking import keras_spellings


def huber(y_true, y_pred, threshold):
    """The Huber loss of each element, in NumPy (float64)."""
    error = np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64)
    small = np.abs(error) < threshold
    return np.where(small, error ** 2 / 2, threshold * np.abs(error) - threshold ** 2 / 2)


def loss_bases():
    import keras

    bases = [keras.losses.Loss]
    try:  # tf.keras is Keras 3 here, but may be legacy Keras 2 where TF_USE_LEGACY_KERAS is set
        bases.append(tf.keras.losses.Loss)
    except Exception:
        pass
    return tuple(bases)


def _source(cls):
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
    """A learner-facing explanation when `text` (an error message) comes from a Keras 2 idiom."""
    source = _source(cls) if cls is not None else ""
    if "Reduction" in text or "reduction=auto" in text or re.search(r"Reduction\.|reduction\s*=\s*['\"]auto", source):
        return ("Keras 3 has no keras.losses.Reduction (and no 'auto' reduction): reductions are plain strings, and "
                "the default, 'sum_over_batch_size', is what you want. Leave the reduction argument out and pass "
                "**kwargs on to super().__init__().")
    return None


def loss_class(learner, observations):
    """The learner's HuberLoss class; explains a Keras 2 idiom that stopped the cell."""
    if "HuberLoss" not in learner:
        cell = observations.cell
        if cell is not None and cell.error is not None:
            message = keras2_message(cell.error.message)
            if message:
                raise AssertionError(f"Your cell stopped with {cell.error.type}. {message}")
    cls = learner.require("HuberLoss")
    assert isinstance(cls, type) and issubclass(cls, loss_bases()), (
        "`HuberLoss` should be a class that subclasses keras.losses.Loss."
    )
    return cls


def make(cls, **kwargs):
    """An instance, with Keras 2 idioms explained instead of a bare traceback."""
    try:
        loss = cls(**kwargs)
    except TypeError as exc:
        if "threshold" in str(exc) or "unexpected keyword argument" in str(exc):
            call = f"HuberLoss({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
            raise AssertionError(
                f"`{call}` failed: {exc}. __init__ should accept threshold=1.0 and **kwargs, and pass the "
                "**kwargs (name, reduction, ...) on to super().__init__()."
            ) from None
        raise
    except (AttributeError, ValueError) as exc:
        message = keras2_message(str(exc), cls)
        if message:
            raise AssertionError(f"Creating a HuberLoss failed with {type(exc).__name__}: {message}") from None
        raise
    if not hasattr(loss, "name") or not hasattr(loss, "reduction"):
        raise AssertionError(
            "A HuberLoss was created, but the base class was never set up: __init__ must call "
            "super().__init__(**kwargs)."
        )
    return loss


def data(rng, n=64, spread=3.0):
    """Targets and predictions whose errors cover both sides of thresholds between 0.25 and 2.5."""
    y_true = rng.normal(size=(n, 1)).astype(np.float32)
    y_pred = (y_true + rng.uniform(-spread, spread, size=(n, 1))).astype(np.float32)
    return y_true, y_pred


def keras_hubers():
    """Keras's and TensorFlow's own Huber functions, by the names a message gives them."""
    return {**keras_spellings("losses.huber"), "tf.compat.v1.losses.huber_loss": tf.compat.v1.losses.huber_loss}


def scalar(loss, y_true, y_pred, **kwargs):
    if loss.call(tf.convert_to_tensor(y_true), tf.convert_to_tensor(y_pred)) is None:
        raise AssertionError("HuberLoss.call(y_true, y_pred) returned None: add a `return`.")
    value = loss(y_true, y_pred, **kwargs)
    return float(np.asarray(value))
