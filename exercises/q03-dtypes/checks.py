"""Checks for q03: default integer dtypes in TensorFlow and NumPy, and why adding them fails."""

import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import describe_value, to_numpy


_RANGE = np.arange(10)


def _tensor_0_to_9(name, value):
    assert tf.is_tensor(value) and not isinstance(value, tf.Variable), (
        f"`{name}` should be a tf.Tensor, but it is {describe_value(value)}."
    )
    got = to_numpy(value)
    assert got.shape == (10,), f"`{name}` should have shape (10,), but it has shape {got.shape}."
    assert np.array_equal(got, _RANGE), f"`{name}` should hold 0, 1, ..., 9, but it holds {got.tolist()}."


def _as_dtype(name, value):
    """The learner's dtype, which must be a tf.DType object, not a string or a NumPy type."""
    if value is None or value is Ellipsis:
        raise AssertionError(f"`{name}` is not set yet: give it a tf.DType such as tf.float16.")
    if isinstance(value, tf.dtypes.DType):
        return value
    if isinstance(value, str):
        raise AssertionError(
            f"`{name}` is the string {value!r}; the exercise asks for a tf.DType object: write it as tf.<name> "
            "without quotes, or read it from the tensor (`tensor.dtype`)."
        )
    if isinstance(value, (type, np.dtype)) and getattr(np.dtype(value), "kind", "") in "iuf":
        raise AssertionError(
            f"`{name}` is NumPy's {np.dtype(value).name} type; the exercise asks for TensorFlow's tf.DType "
            "(read it from the tensor: `tensor.dtype`)."
        )
    raise AssertionError(
        f"`{name}` should be a tf.DType (like tf.float16, or `tensor.dtype`), but it is {describe_value(value)}."
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "tf.range works like Python's range: tf.range(10) stops before 10.",
    "a = tf.range(10), with no dtype argument: the point is to see TensorFlow's default.",
)
@pytest.mark.needs("a")
def check_a(learner):
    """`a` is tf.range(10): 0..9 as 32-bit integers"""
    a = learner["a"]
    _tensor_0_to_9("a", a)
    assert a.dtype == tf.int32, (
        f"`a` has dtype {a.dtype.name}; tf.range(10) with no dtype argument gives int32. Leave out any dtype argument."
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "Build `b` from NumPy: np.arange(10), then tf.constant of that array, with no dtype argument and no cast.",
    "A tensor made from a NumPy array keeps the array's dtype, and np.arange(10) gives 64-bit integers.",
)
@pytest.mark.needs("b")
def check_b(learner):
    """`b` is tf.constant(np.arange(10)): 0..9 as 64-bit integers"""
    b = learner["b"]
    _tensor_0_to_9("b", b)
    assert b.dtype == tf.int64, (
        f"`b` has dtype {b.dtype.name}; tf.constant(np.arange(10)) keeps NumPy's int64. "
        "Make `b` from np.arange(10) exactly, with no dtype argument or cast."
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Print a.dtype and b.dtype and compare them.",
    "TensorFlow defaults to 32 bits, NumPy to 64 bits; each tensor shows where it came from.",
    "a_dtype = a.dtype and b_dtype = b.dtype (that is tf.int32 and tf.int64).",
)
@pytest.mark.needs("a_dtype", "b_dtype")
def check_dtypes(learner):
    """`a_dtype` and `b_dtype` name the two dtypes"""
    a_dtype = _as_dtype("a_dtype", learner["a_dtype"])
    b_dtype = _as_dtype("b_dtype", learner["b_dtype"])
    if a_dtype == tf.int64 and b_dtype == tf.int32:
        raise AssertionError("`a_dtype` and `b_dtype` are swapped: which one comes from TensorFlow's default, which from NumPy's?")
    assert a_dtype == tf.int32, (
        f"`a_dtype` is {a_dtype.name}, but tf.range(10) makes a different integer type: TensorFlow's default is not NumPy's."
    )
    assert b_dtype == tf.int64, (
        f"`b_dtype` is {b_dtype.name}, but a tensor made from np.arange(10) keeps NumPy's default integer type."
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Run `a + b` on its own first and read the error's name and message.",
    "Catch that exception class (it lives in tf.errors) and keep the caught object: `except <ErrorClass> as e: add_error = e`.",
    "try:\n    a + b\nexcept tf.errors.InvalidArgumentError as e:\n    add_error = e",
)
@pytest.mark.needs("add_error")
def check_add_error(learner):
    """`add_error` is the InvalidArgumentError raised by `a + b`"""
    error = learner["add_error"]
    if error is None:
        raise AssertionError(
            "`add_error` is None: nothing was caught. Attempt `a + b` itself (with `a` and `b` as the exercise "
            "defines them) inside the `try`."
        )
    if isinstance(error, type):
        raise AssertionError(
            f"`add_error` is the class {error.__name__}, not an exception that was raised. Catch the exception "
            "(`except ... as e`) and store `e`."
        )
    if isinstance(error, str):
        raise AssertionError("`add_error` is a string. Store the exception object itself (`add_error = e`), not its message.")
    assert isinstance(error, BaseException), f"`add_error` should be the caught exception, but it is {describe_value(error)}."
    assert isinstance(error, tf.errors.InvalidArgumentError), (
        f"`add_error` is a {type(error).__name__}; adding an int32 tensor to an int64 tensor raises a different error. "
        "Did the `try` contain exactly `a + b`?"
    )
    message = str(error)
    assert "int32" in message and "int64" in message, (
        f"`add_error` is an InvalidArgumentError, but not the one from adding int32 to int64: {message[:120]!r}"
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "Before adding, make the two dtypes agree.",
    "tf.cast(tensor, dtype) converts a tensor to another dtype; use `a`'s.",
    "a_plus_b = a + tf.cast(b, a.dtype)",
)
@pytest.mark.needs("a_plus_b")
def check_a_plus_b(learner):
    """`a_plus_b` is a + b after a cast: 0, 2, ..., 18 as integers"""
    total = learner["a_plus_b"]
    assert tf.is_tensor(total), f"`a_plus_b` should be a tf.Tensor, but it is {describe_value(total)}."
    got = to_numpy(total)
    assert got.shape == (10,), f"`a_plus_b` should have shape (10,), but it has shape {got.shape}."
    assert np.allclose(got, 2 * _RANGE), f"`a_plus_b` should hold 0, 2, ..., 18, but it holds {got.tolist()}."
    assert total.dtype == tf.int32, (
        f"`a_plus_b` has dtype {total.dtype.name}; cast `b` to `a`'s dtype (int32) so the sum keeps integer values of `a`'s type."
    )
