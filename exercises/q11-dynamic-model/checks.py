"""Checks for q11: a model whose call needs Python, trained with run_eagerly=True."""

import re
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import assert_shape, assert_tensors_close, graph_mode, to_numpy

MODEL = tuple({keras.Model, tf.keras.Model})

# Keras 2 spellings that Keras 3 dropped, and what to write instead.
KERAS2_IDIOMS = (
    (re.compile(r"'dynamic'|dynamic=True"), "Keras 3 has no `dynamic=True` argument: leave it out of `__init__` and compile the model "
                             "with `model.compile(..., run_eagerly=True)` instead."),
    (re.compile(r"reset_states"), "Keras 3 renamed `reset_states()` to `reset_state()`."),
    (re.compile(r"add_weight.*keyword|`name` must be passed as a keyword"),
     "In Keras 3, `add_weight` takes the name as a keyword: `add_weight(shape=..., name=\"w\")`."),
)


def keras2_idiom(observations):
    """The Keras 3 spelling to suggest when the cell failed on a Keras 2 idiom, else None."""
    cell = observations.cell
    if cell is None or cell.error is None:
        return None
    text = f"{cell.error.type}: {cell.error.message}"
    for pattern, advice in KERAS2_IDIOMS:
        if pattern.search(text):
            return advice
    return None


def learner_model(learner, observations):
    """The learner's `model`, or a failure that says why it is missing (Keras 2 idioms named)."""
    model = learner.get("model")
    if model is None:
        advice = keras2_idiom(observations)
        assert advice is None, f"Your cell stopped before `model` existed. {advice}"
        learner.require("model")
    assert isinstance(model, MODEL), f"`model` should be a Keras model; it is a {type(model).__name__}."
    return model


def model_class(learner):
    cls = learner["SignedLogRegressor"]
    assert isinstance(cls, type) and issubclass(cls, MODEL), (
        "`SignedLogRegressor` should be a class that subclasses `keras.Model`."
    )
    return cls


def signed_log(values):
    values = np.asarray(values, dtype=np.float64)
    return np.sign(values) * np.log1p(np.abs(values))


def wide_inputs(rng, n):
    return (rng.normal(size=(n, 4)) * np.array([1.0, 10.0, 100.0, 1000.0])).astype("float32")


@pytest.mark.points(2)
@pytest.mark.hints(
    "The NumPy step comes first in `call`, on the values of `inputs`; the two Dense layers come after it.",
    "`np.asarray(inputs)` gives the values when the model runs eagerly; convert `signed_log`'s result back with `tf.convert_to_tensor(..., dtype=tf.float32)`.",
    "`z = tf.convert_to_tensor(signed_log(np.asarray(inputs)), dtype=tf.float32)`; `return self.out(self.hidden(z))`.",
)
@pytest.mark.needs("SignedLogRegressor")
def check_call_runs_the_numpy_step(learner, observations, rng):
    """SignedLogRegressor applies signed_log, then hidden and out"""
    advice = keras2_idiom(observations)
    cls = model_class(learner)
    try:
        model = cls()
    except Exception as exc:
        raise AssertionError(
            f"`SignedLogRegressor()` could not be created ({type(exc).__name__}). {advice or ''}".strip()
        ) from None
    x = wide_inputs(rng, 8)
    try:
        out = model(x)
    except Exception as exc:
        raise AssertionError(
            f"Calling `SignedLogRegressor()` on a batch of 8 instances with 4 features failed with "
            f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}. `call` should apply signed_log, then "
            "`self.hidden`, then `self.out`."
        ) from None
    assert_shape(out, (8, 1), what="The model's output for 8 instances")
    for name in ("hidden", "out"):
        assert isinstance(getattr(model, name, None), keras.layers.Layer), (
            f"The model should keep its Dense layers as `self.hidden` and `self.out`; `self.{name}` is missing."
        )
    try:
        expected = to_numpy(model.out(model.hidden(signed_log(x).astype("float32"))))
        skipped = to_numpy(model.out(model.hidden(x)))
    except ValueError:
        raise AssertionError(
            "After your `call` built the layers, `self.out(self.hidden(...))` cannot be applied to the inputs' 4 "
            "features: `call` should apply `hidden`, then `out`, to signed_log's result."
        ) from None
    got = to_numpy(out)
    if not np.allclose(got, expected, atol=1e-4, rtol=1e-4) and np.allclose(got, skipped, atol=1e-4, rtol=1e-4):
        raise AssertionError(
            "`call` feeds the raw inputs to the Dense layers: the NumPy step `signed_log` is missing. The point of "
            "this exercise is a model whose `call` needs Python; keep the step and run the model eagerly."
        )
    assert_tensors_close(out, expected, atol=1e-4, rtol=1e-4,
                         what="The model's output (expected out(hidden(signed_log(inputs))))")


@pytest.mark.points(2)
@pytest.mark.hints(
    "Eager execution is chosen when compiling the model, not when creating it.",
    "Keras 3 removed `dynamic=True`; `compile` has an argument that keeps `fit` from building a graph.",
    "`model.compile(loss=\"mse\", optimizer=\"adam\", run_eagerly=True)`.",
)
def check_compiled_to_run_eagerly(learner, observations):
    """`model` is compiled with the mse loss and run_eagerly=True"""
    model = learner_model(learner, observations)
    assert getattr(model, "optimizer", None) is not None, (
        "`model` was not compiled: call `model.compile(loss=\"mse\", optimizer=..., run_eagerly=True)`."
    )
    if not model.run_eagerly and tf.config.functions_run_eagerly():
        raise AssertionError(
            "You switched the whole kernel to eager mode with `tf.config.run_functions_eagerly(True)`: every "
            "tf.function is now slow. Turn it off and pass `run_eagerly=True` to this model's `compile` instead."
        )
    assert model.run_eagerly, (
        "`model.run_eagerly` is False, so `fit` builds a graph in which `signed_log` cannot see any values. "
        "Compile with `run_eagerly=True`."
    )
    loss = getattr(model, "loss", None)
    try:
        value = float(np.mean(to_numpy(keras.losses.get(loss)(np.array([[1.0], [2.0]]), np.array([[0.0], [0.0]])))))
    except Exception:
        value = None
    assert value is not None and abs(value - 2.5) < 1e-6, (
        f"`model` was compiled with the loss {loss!r}; the exercise asks for the mean squared error: loss=\"mse\"."
    )


@pytest.mark.points(2)
@pytest.mark.time_limit(30)
@pytest.mark.hints(
    "`fit` returns a History object; keep it in `history`.",
    "With `run_eagerly=True` in `compile`, `fit` runs `call` as plain Python, so the NumPy step works.",
    "`history = model.fit(X_train, y_train, epochs=2)`.",
)
def check_trains_with_fit(learner, observations, rng):
    """The model trained with fit (history), and a fresh one trains eagerly with finite, falling loss"""
    learner_model(learner, observations)
    history = learner.get("history")
    assert history is not None, "Your cell does not define `history`: write `history = model.fit(X_train, y_train, epochs=2)`."
    losses = getattr(history, "history", {}).get("loss") if hasattr(history, "history") else None
    assert losses, f"`history` should be what `model.fit` returns (a History); it is a {type(history).__name__}."
    assert all(np.isfinite(losses)), f"The training losses in `history` are not all finite: {losses}."
    assert len(losses) == 2, (
        f"`history` records {len(losses)} epoch(s) of training; the exercise asks for `epochs=2`."
    )
    x = wide_inputs(rng, 64)
    y = (signed_log(x) @ np.array([[0.5], [-0.3], [0.2], [0.1]])).astype("float32")
    fresh = model_class(learner)()
    fresh.compile(loss="mse", optimizer=keras.optimizers.Adam(0.02), run_eagerly=True)
    fresh_losses = fresh.fit(x, y, epochs=4, batch_size=16, verbose=0, shuffle=False).history["loss"]
    assert all(np.isfinite(fresh_losses)) and fresh_losses[-1] < fresh_losses[0], (
        f"A fresh SignedLogRegressor compiled with run_eagerly=True did not learn over 4 epochs: losses {fresh_losses}."
    )


# The statements of the prompt, by number: which are true of a model compiled with run_eagerly=True.
TRUE_STATEMENTS = frozenset({1, 3, 6})
ALL_STATEMENTS = frozenset(range(1, 7))


@pytest.mark.points(2)
@pytest.mark.hints(
    "Two costs are real: one about speed, one about taking the model elsewhere. The others are common myths.",
    "Speed: a graph lets TensorFlow optimise and run the whole step without Python; eager mode runs Python at every "
    "operation. Portability: what can be saved and run without Python when there is no graph?",
    "Eager mode never changes the numbers a model computes, and run_eagerly=True concerns that one model only.",
)
@pytest.mark.needs("true_statements")
def check_knows_the_cost(learner):
    """true_statements picks exactly the true statements about running eagerly"""
    chosen = learner["true_statements"]
    assert isinstance(chosen, (set, frozenset, list, tuple)), (
        f"`true_statements` should be a set of statement numbers, such as {{2, 5}}; it is a {type(chosen).__name__}."
    )
    assert all(isinstance(n, int) and not isinstance(n, bool) for n in chosen), (
        "`true_statements` should hold the statements' numbers (integers from 1 to 6)."
    )
    numbers = set(chosen)
    strangers = sorted(numbers - ALL_STATEMENTS)
    assert not strangers, f"There is no statement {strangers[0]}: the statements are numbered 1 to 6."
    assert numbers, "`true_statements` is empty: at least one of the six statements is true."
    assert numbers == TRUE_STATEMENTS, (
        "Not yet: some of the statements you picked are false, or some true ones are missing. Reread each one "
        "against what a graph makes possible."
    )


@pytest.mark.points(0)
@pytest.mark.time_limit(30)
def check_what_graph_mode_buys(advise, rng):
    """What graph mode buys: eager vs graph training time of a small model (advice, no points)"""
    x = rng.normal(size=(64, 8)).astype("float32")
    y = rng.normal(size=(64, 1)).astype("float32")
    steps = 20
    seconds = {}
    with graph_mode():
        for eager in (True, False):
            small = keras.Sequential([
                keras.Input(shape=(8,)),
                keras.layers.Dense(32, activation="relu"),
                keras.layers.Dense(32, activation="relu"),
                keras.layers.Dense(1),
            ])
            small.compile(loss="mse", optimizer="sgd", run_eagerly=eager)
            small.train_on_batch(x, y)          # the first step builds (and, in graph mode, traces)
            started = time.perf_counter()
            for _ in range(steps):
                small.train_on_batch(x, y)
            seconds[eager] = time.perf_counter() - started
    ratio = seconds[True] / max(seconds[False], 1e-9)
    advise(
        f"On this machine, {steps} training steps of a small dense model took {1000 * seconds[True]:.0f} ms eagerly "
        f"and {1000 * seconds[False]:.0f} ms as a graph: eager execution was {ratio:.1f}x "
        f"{'slower' if ratio >= 1 else 'faster (the model is too small for the graph to pay off here)'}.",
        fix="Keep run_eagerly=True for models that truly need Python in `call` (or for debugging); otherwise let "
        "Keras compile `call` into a graph, which also gives you a model you can export.",
        kind="performance",
        eager_seconds=round(seconds[True], 4), graph_seconds=round(seconds[False], 4), ratio=round(ratio, 2),
    )
