"""Checks for q08: train_step(model, optimizer, loss_fn, X, y) with tf.GradientTape."""


import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import calls_seen, graph_mode, keras_spellings, to_numpy

N_FEATURES = 3


def _step(learner):
    """The learner's step as plain Python (a tf.function's original function if they decorated it)."""
    step = learner["train_step"]
    assert callable(step), f"`train_step` should be a function; it is a {type(step).__name__}."
    return getattr(step, "python_function", step)


def _model(rng, *, regularizer=None, constraint=None, extra_layers=()):
    model = keras.Sequential([
        keras.Input(shape=(N_FEATURES,)),
        keras.layers.Dense(4, activation="tanh", kernel_regularizer=regularizer, kernel_constraint=constraint),
        *extra_layers,
        keras.layers.Dense(1),
    ])
    for w in model.weights:
        w.assign(rng.normal(scale=0.5, size=w.shape).astype("float32"))
    return model


def _batch(rng, n=16):
    X = rng.normal(size=(n, N_FEATURES)).astype("float32")
    y = (X @ np.array([[1.0], [-1.0], [2.0]], dtype="float32") + 0.5).astype("float32")
    return tf.constant(X), tf.constant(y)


def _reference(model, X, y, *, with_regularization=True):
    """The loss of one correct step and the weights one SGD step of learning rate 1 would subtract."""
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.mean_squared_error(y, model(X, training=True)))
        if with_regularization and model.losses:
            loss = loss + tf.add_n(model.losses)
    grads = tape.gradient(loss, model.trainable_variables)
    return float(loss), [to_numpy(g) for g in grads]


def _error_line(exc):
    """The informative line of an exception (graph errors start with 'in user code:' and a traceback)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if not last.startswith(type(exc).__name__):
        last = f"{type(exc).__name__}: {last}"
    return last[:300]


def _keras_training():
    """Keras's own training entry points: a step that calls them did not write the step."""
    return {**keras_spellings("Model.fit"), **keras_spellings("Model.train_on_batch"),
            **keras_spellings("Model.train_step")}


def _call(step, *args):
    """Call the learner's step; turn the classic no-gradient failure into a message."""
    try:
        return step(*args)
    except ValueError as exc:
        if "No gradients provided" in str(exc):
            raise AssertionError(
                "The tape recorded no gradients for the model's weights. Compute the predictions and the loss inside "
                "`with tf.GradientTape() as tape:` so the tape can see how the loss depends on the weights."
            ) from None
        raise


def _weights(model):
    return [to_numpy(v).copy() for v in model.trainable_variables]


def _scalar(value, what="`train_step`"):
    assert value is not None, f"{what} returned nothing: end it with `return loss`."
    array = to_numpy(value)
    assert array.size == 1, (
        f"{what} returned {array.size} values (shape {array.shape}); it should return one number, the mean loss: "
        "average `loss_fn(y, y_pred)` over the batch with `tf.reduce_mean`."
    )
    return float(array.reshape(()))


@pytest.mark.points(2)
@pytest.mark.hints(
    "The value to return is the very loss you differentiate: computed once, inside the tape.",
    "Average the per-instance losses with `tf.reduce_mean`, add the regularisation losses, and return that tensor.",
    "`loss = tf.add_n([tf.reduce_mean(loss_fn(y, y_pred))] + model.losses)` inside the tape; `return loss` at the end.",
)
@pytest.mark.needs("train_step")
def check_returns_the_loss(learner, rng):
    """train_step returns the batch's mean loss plus regularisation, as one number"""
    model = _model(rng, regularizer=keras.regularizers.l2(0.05))
    X, y = _batch(rng)
    expected, _ = _reference(model, X, y)
    without_reg, _ = _reference(model, X, y, with_regularization=False)
    got = _scalar(_call(_step(learner), model, keras.optimizers.SGD(0.01), keras.losses.mean_squared_error, X, y))
    if not np.isclose(got, expected, rtol=1e-4, atol=1e-5) and np.isclose(got, without_reg, rtol=1e-4, atol=1e-5):
        raise AssertionError(
            f"`train_step` returned {got:.5f}, the data loss alone; with the model's regularisation losses "
            f"(`model.losses`) added it should be {expected:.5f}."
        )
    assert np.isclose(got, expected, rtol=1e-4, atol=1e-5), (
        f"`train_step` returned {got:.5f}; the mean loss over the batch plus the regularisation losses, computed "
        f"with the weights before the update, is {expected:.5f}."
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "The optimizer can only follow gradients that the tape recorded: the forward pass must happen inside the `with` block.",
    "Compute `y_pred` and the loss inside `with tf.GradientTape() as tape:`, then `tape.gradient(loss, model.trainable_variables)`.",
    "`optimizer.apply_gradients(zip(gradients, model.trainable_variables))`, using the `model` and `optimizer` arguments.",
)
@pytest.mark.needs("train_step")
def check_one_gradient_step(learner, rng):
    """One call updates the given model's weights by exactly one optimizer step on the mean loss"""
    model = _model(rng)
    X, y = _batch(rng)
    before = _weights(model)
    _, grads = _reference(model, X, y)
    lr = 0.1
    _, delegated_to = calls_seen(_keras_training(), lambda: _call(
        _step(learner), model, keras.optimizers.SGD(lr), keras.losses.mean_squared_error, X, y))
    assert not delegated_to, (
        f"`train_step` hands the training to Keras's own `{delegated_to[0]}`: write the step yourself. Run the "
        "model and compute the loss inside `with tf.GradientTape() as tape:`, take `tape.gradient(...)` and apply "
        "the gradients with the optimizer."
    )
    after = _weights(model)
    changed = any(not np.allclose(a, b) for a, b in zip(after, before))
    assert changed, (
        "The model passed to `train_step` did not change. Apply the gradients with the `optimizer` argument to the "
        "`model` argument's trainable variables (not to a global model)."
    )
    expected = [b - lr * g for b, g in zip(before, grads)]
    worst = max(float(np.max(np.abs(a - e))) for a, e in zip(after, expected))
    n = int(X.shape[0])
    summed = [b - lr * n * g for b, g in zip(before, grads)]
    if all(np.allclose(a, s, atol=1e-4) for a, s in zip(after, summed)):
        raise AssertionError(
            "The update is as large as for the *sum* of the per-instance losses: take the mean over the batch "
            "(`tf.reduce_mean(loss_fn(y, y_pred))`) before differentiating."
        )
    assert worst < 1e-4, (
        f"After one call with `SGD(learning_rate={lr})` the weights differ from one gradient-descent step on the "
        f"mean loss by up to {worst:.3g}. Differentiate the mean loss with respect to `model.trainable_variables` "
        "and apply those gradients once."
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Regularizers attached to layers do nothing by themselves in a custom loop: their penalties wait in a list on the model.",
    "`model.losses` holds one penalty tensor per regularised weight; compute it inside the tape (the forward pass does that).",
    "`loss = tf.add_n([main_loss] + model.losses)` inside the tape.",
)
@pytest.mark.needs("train_step")
def check_regularization_included(learner, rng):
    """The regularisation losses (model.losses) are part of what the step minimises"""
    model = _model(rng, regularizer=keras.regularizers.l2(0.5))
    X, y = _batch(rng)
    before = _weights(model)
    _, grads = _reference(model, X, y)
    _, grads_no_reg = _reference(model, X, y, with_regularization=False)
    lr = 0.05
    _call(_step(learner), model, keras.optimizers.SGD(lr), keras.losses.mean_squared_error, X, y)
    after = _weights(model)
    expected = [b - lr * g for b, g in zip(before, grads)]
    ignored = [b - lr * g for b, g in zip(before, grads_no_reg)]
    if all(np.allclose(a, i, atol=1e-5) for a, i in zip(after, ignored)):
        raise AssertionError(
            "The step ignored the L2 penalty of a regularised layer: add `model.losses` to the loss inside the tape."
        )
    worst = max(float(np.max(np.abs(a - e))) for a, e in zip(after, expected))
    assert worst < 1e-4, (
        f"With an L2-regularised layer the weights after one step differ from the expected update by up to "
        f"{worst:.3g}: minimise the mean data loss plus `model.losses`."
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "A constraint is a function a variable must satisfy after each update (here: no negative weights).",
    "After applying the gradients, visit each variable; if `variable.constraint` is not None, put it back in bounds.",
    "`for v in model.variables: if v.constraint is not None: v.assign(v.constraint(v))`.",
)
@pytest.mark.needs("train_step")
def check_constraints_applied(learner, rng):
    """After the step, weights with a constraint satisfy it"""
    model = _model(rng, constraint=keras.constraints.NonNeg())
    X, y = _batch(rng)
    _call(_step(learner), model, keras.optimizers.SGD(5.0), keras.losses.mean_squared_error, X, y)
    kernel = to_numpy(model.layers[0].kernel)
    assert kernel.min() >= 0, (
        f"The first layer's kernel has the constraint NonNeg(), but after your step its smallest weight is "
        f"{kernel.min():.3g}: apply each variable's constraint after the update."
    )


class _TrainingFlag(keras.layers.Layer):
    """Records the `training` argument the model passes down (as Dropout or BatchNormalization would see it)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs, training=None):
        self.seen.append(training)
        return inputs


@pytest.mark.points(1)
@pytest.mark.hints(
    "Some layers behave differently while training (Dropout drops, BatchNormalization uses batch statistics).",
    "Tell the model that this forward pass is a training pass.",
    "`y_pred = model(X, training=True)`.",
)
@pytest.mark.needs("train_step")
def check_calls_model_in_training_mode(learner, rng):
    """The model is called with training=True"""
    flag = _TrainingFlag()
    model = _model(rng, extra_layers=(flag,))
    X, y = _batch(rng)
    _call(_step(learner), model, keras.optimizers.SGD(0.01), keras.losses.mean_squared_error, X, y)
    assert flag.seen, "The model was not called by `train_step`."
    assert True in flag.seen, (
        f"The model's layers received training={flag.seen[-1]!r}: call `model(X, training=True)` so that layers "
        "such as Dropout behave as in training."
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Repeated steps on the same batch should bring the loss down steadily.",
    "If the loss does not move or grows, check the sign of the update (the optimizer subtracts the gradients for you) and which variables you update.",
    "Record the forward pass in the tape, differentiate the loss, `optimizer.apply_gradients(zip(grads, model.trainable_variables))`.",
)
@pytest.mark.needs("train_step")
def check_loss_decreases(learner, rng):
    """Twenty steps on one batch reduce the loss (with a Loss object as loss_fn)"""
    model = _model(rng)
    X, y = _batch(rng, 32)
    step = _step(learner)
    optimizer = keras.optimizers.Adam(0.05)
    loss_fn = keras.losses.MeanSquaredError()
    losses = [_scalar(_call(step, model, optimizer, loss_fn, X, y)) for _ in range(20)]
    assert np.all(np.isfinite(losses)), f"The loss became non-finite: {losses}."
    assert losses[-1] < 0.5 * losses[0], (
        f"After 20 steps the loss went from {losses[0]:.4f} to {losses[-1]:.4f}; it should at least halve."
    )


@pytest.mark.points(2)
@pytest.mark.time_limit(30)
@pytest.mark.hints(
    "Inside `tf.function` your Python runs only while tracing; tensors are symbolic then and have no `.numpy()` value.",
    "Use TensorFlow operations only, create no `tf.Variable` inside the step, and return the loss tensor itself (not `float(loss)`).",
    "The plain step (tape, `apply_gradients`, constraints, `return loss`) is already graph-friendly: remove any `.numpy()`, `float()`, `print()` of values, or variable creation.",
)
@pytest.mark.needs("train_step")
def check_works_as_tf_function_without_retracing(learner, rng):
    """Wrapped in tf.function, the step runs batch after batch without being traced again"""
    model = _model(rng)
    optimizer = keras.optimizers.Adam(0.01)
    X, y = _batch(rng, 56)
    sizes = [16, 16, 16, 8]             # a smaller last batch, as in a real epoch
    fn = tf.function(_step(learner))
    counts, losses = [], []
    with graph_mode():
        for epoch in range(2):
            start = 0
            for size in sizes:
                try:
                    loss = fn(model, optimizer, keras.losses.mean_squared_error, X[start:start + size], y[start:start + size])
                except Exception as exc:
                    raise AssertionError(
                        "Wrapped in `tf.function`, `train_step` failed. Inside a graph only TensorFlow operations run: "
                        "avoid `.numpy()` and `float()` on tensors, and create no variables in the step. "
                        f"The error was {_error_line(exc)}"
                    ) from None
                start += size
                counts.append(fn.experimental_get_tracing_count())
                losses.append(loss)
    assert all(np.isfinite(_scalar(l, "`train_step` under tf.function")) for l in losses), "The loss became non-finite."
    # First call: up to 2 traces (the optimizer may create its slots lazily); one more for the smaller batch.
    same_shape_retraces = (counts[2] - counts[0]) + (counts[7] - counts[3])
    assert counts[0] <= 2 and same_shape_retraces == 0 and counts[-1] <= 3, (
        f"The step was traced {counts[-1]} times for 8 batches of two shapes (traces after each call: {counts}). "
        "A graph-friendly step is traced once or twice on its first call and once for the smaller batch; more "
        "means something changes from call to call (a Python value argument, a new object, a new variable)."
    )
