"""Grader-only checks for exercise 12."""

import numpy as np
import pytest
import tensorflow as tf

from _support import layer_cls, working_cls  # noqa: F401 - fixtures are found by name


@pytest.mark.points(1)
def check_trains_inside_a_model(working_cls, rng):
    """The layer trains inside a model: alpha and beta move after a few steps"""
    import keras

    cls = working_cls
    X = rng.normal(1.0, 2.0, size=(64, 6)).astype("float32")
    y = (X[:, :1] * 0.5 + 1.0).astype("float32")
    norm = cls()
    model = keras.Sequential([keras.Input(shape=(6,)), norm, keras.layers.Dense(1)])
    # Keras's own train step, run eagerly, a batch at a time: graph mode is the no-retracing
    # check's business, and fit's tracing and per-epoch machinery would cost ten times these steps.
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", run_eagerly=True)
    before = [np.array(w) for w in norm.get_weights()]
    for batch in range(0, len(X), 32):
        model.train_on_batch(X[batch:batch + 32], y[batch:batch + 32])
    after = norm.get_weights()
    moved = [not np.allclose(b, a) for b, a in zip(before, after)]
    assert all(moved), "Training a model that contains your layer should change both alpha and beta; one of them never moved."


@pytest.mark.points(1)
def check_large_offsets(working_cls, rng):
    """Instances with a large offset are normalised correctly"""
    cls = working_cls
    X = tf.constant(rng.normal(100.0, 5.0, size=(4, 8)), dtype=tf.float32)
    out = cls()(X).numpy()
    assert np.allclose(out.mean(axis=-1), 0.0, atol=1e-3), "With inputs around 100, each output row should have mean close to 0."
    assert np.allclose(out.std(axis=-1), 1.0, atol=1e-2), "With inputs around 100, each output row should have a standard deviation close to 1."
