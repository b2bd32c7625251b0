"""assertions: tensor comparisons whose failure messages a learner can act on."""

from __future__ import annotations

import numpy as np
import pytest

from tfgrade.assertions import assert_dtype, assert_shape, assert_tensors_close, to_numpy


class _HasNumpy:
    def __init__(self, value):
        self._value = value

    def numpy(self):
        return np.asarray(self._value)


class _Keras3Variable:
    """Keras 3 variables have no .numpy(); their .value does."""

    def __init__(self, value):
        self.value = _HasNumpy(value)


def test_to_numpy_accepts_arrays_lists_tensor_likes_and_keras_variables():
    assert np.array_equal(to_numpy([[1, 2]]), np.array([[1, 2]]))
    assert np.array_equal(to_numpy(_HasNumpy([3.0])), np.array([3.0]))
    assert np.array_equal(to_numpy(_Keras3Variable([4.0, 5.0])), np.array([4.0, 5.0]))


def test_close_values_pass():
    assert_tensors_close([1.0, 2.0], [1.0 + 1e-7, 2.0])
    assert_tensors_close(np.float32(3.0), 3.0)
    assert_tensors_close([1.0, 2.1], [1.0, 2.0], atol=0.2)
    assert_tensors_close([np.nan, 1.0], [np.nan, 1.0])          # NaN where NaN is expected is fine
    assert_tensors_close(np.zeros((0, 3)), np.zeros((0, 3)))


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(AssertionError) as info:
        assert_tensors_close(np.zeros((2, 3)), np.zeros((2, 4)), what="the layer's output")
    message = str(info.value)
    assert message.startswith("the layer's output")
    assert "(2, 3)" in message and "(2, 4)" in message


def test_not_close_reports_count_largest_difference_position_and_tolerance():
    got = np.array([[0.0, 1.0], [2.0, 3.0]])
    want = np.array([[0.0, 1.0], [2.5, 3.1]])
    with pytest.raises(AssertionError) as info:
        assert_tensors_close(got, want, atol=1e-3, rtol=0, what="the loss")
    message = str(info.value)
    assert message.startswith("the loss is not close enough")
    assert "2 of 4 values differ" in message
    assert "largest difference is 0.5 at index (1, 0)" in message
    assert "got 2, expected 2.5" in message
    assert "atol=0.001" in message and "rtol=0" in message


def test_nan_is_reported_with_its_position():
    with pytest.raises(AssertionError) as info:
        assert_tensors_close([1.0, np.nan, np.nan], [1.0, 2.0, 3.0], what="the gradient")
    message = str(info.value)
    assert "the gradient contains NaN at index (1,)" in message
    assert "2 NaN values" in message and "2 was expected" in message


def test_missing_nan_is_a_failure():
    with pytest.raises(AssertionError):
        assert_tensors_close([1.0, 2.0], [1.0, np.nan])


def test_dtype_is_only_compared_when_asked():
    assert_tensors_close(np.ones(2, dtype=np.float32), np.ones(2, dtype=np.float64))
    with pytest.raises(AssertionError) as info:
        assert_tensors_close(np.ones(2, dtype=np.float32), np.ones(2, dtype=np.float64), check_dtype=True)
    assert "float32" in str(info.value) and "float64" in str(info.value)


def test_assert_shape_with_wildcards():
    assert_shape(np.zeros((5, 3)), (None, 3))
    with pytest.raises(AssertionError) as info:
        assert_shape(np.zeros((5, 3)), (5, 4), what="the logits")
    assert str(info.value) == "the logits should have shape (5, 4), but it has shape (5, 3)."
    with pytest.raises(AssertionError, match="shape"):
        assert_shape(np.zeros((5, 3, 1)), (5, 3))                   # rank differs


def test_assert_dtype():
    assert_dtype(np.zeros(2, dtype=np.float32), "float32")
    with pytest.raises(AssertionError) as info:
        assert_dtype(np.zeros(2, dtype=np.int64), "float32", what="the labels")
    assert str(info.value) == "the labels should have dtype float32, but it has dtype int64."


def test_works_with_tensorflow_tensors_and_variables():
    import tensorflow as tf
    import keras
    assert_tensors_close(tf.constant([1.0, 2.0]), np.array([1.0, 2.0]))
    variable = keras.Variable([[1.0, 2.0]])
    assert_tensors_close(variable, [[1.0, 2.0]])
    assert_shape(variable, (1, 2))
    assert_dtype(tf.constant([1.0]), "float32")
    with pytest.raises(AssertionError, match="1 of 2 values differ"):
        assert_tensors_close(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.5]))
