"""Assertions for exercise checks, with messages written for learners.

Comparisons of tensors report shape, dtype and the largest difference with its position,
against stated tolerances.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["to_numpy", "describe_value", "assert_tensors_close", "assert_shape", "assert_dtype"]


def to_numpy(value: Any) -> np.ndarray:
    """A NumPy array from a tf.Tensor, tf.Variable, Keras variable, NumPy array or list."""
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    if hasattr(value, "value") and hasattr(value.value, "numpy"):   # Keras 3 Variable
        return np.asarray(value.value.numpy())
    return np.asarray(value)


def describe_value(value: Any) -> str:
    """How to name what the learner gave, in a sentence: 'a list', 'still the starter's `...`'."""
    if value is Ellipsis:
        return "still the placeholder `...` from the starter code"
    if value is None:
        return "None"
    import tensorflow as tf

    if tf.is_tensor(value) and not isinstance(value, (tf.SparseTensor, tf.RaggedTensor, tf.Variable)):
        return "an ordinary dense tf.Tensor"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _describe(array: np.ndarray) -> str:
    return f"shape {tuple(array.shape)}, dtype {array.dtype}"


def assert_shape(value: Any, expected: tuple[int | None, ...], what: str = "the result") -> None:
    shape = tuple(to_numpy(value).shape)
    ok = len(shape) == len(expected) and all(e is None or e == s for s, e in zip(shape, expected))
    assert ok, f"{what} should have shape {tuple(expected)}, but it has shape {shape}."


def assert_dtype(value: Any, expected: str, what: str = "the result") -> None:
    dtype = getattr(value, "dtype", None)
    name = getattr(dtype, "name", str(dtype))
    assert name == expected, f"{what} should have dtype {expected}, but it has dtype {name}."


def assert_tensors_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    what: str = "the result",
    check_dtype: bool = False,
) -> None:
    """Fail with shape, dtype and the largest difference (and where) when not close."""
    got, want = to_numpy(actual), to_numpy(expected)
    assert got.shape == want.shape, f"{what} has {_describe(got)}; expected {_describe(want)}."
    if check_dtype:
        assert got.dtype == want.dtype, f"{what} has dtype {got.dtype}; expected {want.dtype}."
    got_f, want_f = got.astype(np.float64), want.astype(np.float64)
    bad_nan = np.isnan(got_f) & ~np.isnan(want_f)
    if bad_nan.any():
        where = tuple(int(i) for i in np.argwhere(bad_nan)[0])
        raise AssertionError(f"{what} contains NaN at index {where} ({int(bad_nan.sum())} NaN values in all), where {want_f[where]:.6g} was expected.")
    close = np.isclose(got_f, want_f, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return
    diff = np.where(np.isnan(got_f) | np.isnan(want_f), 0.0, np.abs(got_f - want_f))
    where = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    where_text = f" at index {tuple(int(i) for i in where)}" if where else ""
    raise AssertionError(
        f"{what} is not close enough to the expected values ({_describe(got)}): "
        f"{int((~close).sum())} of {close.size} values differ; the largest difference is "
        f"{float(diff[where]):.3g}{where_text} (got {float(got_f[where]):.6g}, expected {float(want_f[where]):.6g}; "
        f"tolerance rtol={rtol:g}, atol={atol:g})."
    )
