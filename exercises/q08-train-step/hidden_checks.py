"""Hidden checks for q08: the step on a model with BatchNormalization and Dropout, as a graph."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import to_numpy


@pytest.mark.points(1)
@pytest.mark.time_limit(30)
@pytest.mark.needs("train_step")
def check_trains_batchnorm_dropout_model_as_graph(learner, rng):
    """As a tf.function, the step trains a model with BatchNormalization and Dropout over two epochs"""
    step = learner["train_step"]
    step = getattr(step, "python_function", step)
    X = rng.normal(size=(64, 3)).astype("float32")
    y = (X @ np.array([[1.0], [2.0], [-1.0]], dtype="float32")).astype("float32")
    model = keras.Sequential([
        keras.Input(shape=(3,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(1),
    ])
    bn = model.layers[1]
    mean_before = to_numpy(bn.moving_mean).copy()
    fn = tf.function(step)
    optimizer = keras.optimizers.Adam(0.02)
    was_eager = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(False)
    try:
        epoch_losses = []
        for _ in range(6):
            try:
                losses = [fn(model, optimizer, keras.losses.mean_squared_error, X[i:i + 16], y[i:i + 16])
                          for i in range(0, 64, 16)]
            except Exception as exc:
                raise AssertionError(
                    f"Wrapped in `tf.function`, the step failed on this model ({type(exc).__name__})."
                ) from None
            assert all(l is not None for l in losses), "`train_step` returned nothing: end it with `return loss`."
            losses = [float(np.asarray(to_numpy(l)).reshape(-1)[0]) for l in losses]
            epoch_losses.append(np.mean(losses))
    finally:
        tf.config.run_functions_eagerly(was_eager)
    assert not np.allclose(to_numpy(bn.moving_mean), mean_before), (
        "BatchNormalization's moving statistics never changed: the model must be called with training=True."
    )
    assert epoch_losses[-1] < epoch_losses[0], f"The mean epoch loss did not go down: {np.round(epoch_losses, 4).tolist()}."
    assert fn.experimental_get_tracing_count() <= 2, (
        f"The step was traced {fn.experimental_get_tracing_count()} times for batches of one shape."
    )
