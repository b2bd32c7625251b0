"""calls_seen: which watched library functions learner code called, under any alias."""

from __future__ import annotations

import functools
import sys

import pytest

from tfgrade.checking import calls_seen, keras_spellings


def _library_sum(values):
    return sum(values)


class _Layer:
    def call(self, x):
        return x + 1


def _decorated(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):    # a generic wrapper, as TensorFlow's error handler is
        return function(*args, **kwargs)
    return wrapper


_wrapped_sum = _decorated(_library_sum)


def test_calls_are_seen_under_any_alias_and_classes_by_their_call():
    alias = _library_sum
    holder = {"f": _wrapped_sum}

    def learner():
        return alias([1, 2]) + holder["f"]([3]) + _Layer().call(1)

    result, seen = calls_seen({"the library sum": _library_sum, "the library layer": _Layer}, learner)
    assert result == 3 + 3 + 2
    assert seen == ["the library sum", "the library layer"]


def test_nothing_is_seen_when_the_work_is_done_by_hand_and_wrappers_are_not_watched():
    # Watching _wrapped_sum means watching _library_sum, never the generic wrapper's code.
    other = _decorated(lambda values: max(values))
    result, seen = calls_seen({"the library sum": _wrapped_sum}, lambda: other([1, 5]) + len([1]))
    assert (result, seen) == (6, [])


def test_the_profile_function_in_place_is_put_back_even_after_an_error():
    def mine(frame, event, arg):
        return None

    previous = sys.getprofile()
    sys.setprofile(mine)
    try:
        with pytest.raises(ZeroDivisionError):
            calls_seen({"the library sum": _library_sum}, lambda: 1 / 0)
        assert sys.getprofile() is mine
    finally:
        sys.setprofile(previous)


def test_keras_own_layer_normalisation_is_seen_through_the_layer_and_the_op():
    import keras
    import numpy as np

    watched = {"keras.ops.layer_normalization": keras.ops.layer_normalization}
    x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    _, seen = calls_seen(watched, lambda: keras.layers.LayerNormalization()(x))
    assert seen == ["keras.ops.layer_normalization"]
    _, seen = calls_seen(watched, lambda: keras.ops.divide(x - keras.ops.mean(x), keras.ops.std(x)))
    assert seen == []


def test_keras_spellings_name_each_distinct_object_once_as_a_learner_writes_it():
    import keras
    import tensorflow as tf

    found = keras_spellings("layers.LayerNormalization")
    assert found["keras.layers.LayerNormalization"] is keras.layers.LayerNormalization
    # tf.keras is Keras 3 itself here: the same class is not listed twice
    assert ("tf.keras.layers.LayerNormalization" in found) == (tf.keras.layers.LayerNormalization
                                                              is not keras.layers.LayerNormalization)
    assert keras_spellings("layers.NoSuchLayer") == {}
