"""Checks for q06: a streaming Huber metric (keras.metrics.Metric subclass)."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf


def _load_support():
    spec = importlib.util.spec_from_file_location("tfgrade_q06_support", Path(__file__).with_name("_support.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


S = _load_support()
CLOSE = dict(rel_tol=1e-4, abs_tol=1e-5)


@pytest.fixture
def HuberMetric(learner, observations):
    return S.metric_class(learner, observations)


@pytest.mark.points(1)
@pytest.mark.hints(
    "Start from `class HuberMetric(keras.metrics.Metric):` with __init__(self, threshold=1.0, **kwargs) calling super().__init__(**kwargs).",
    "Keras 3 spells state variables as self.add_weight(name=\"total\", initializer=\"zeros\"): the name by keyword.",
)
def check_metric_class(HuberMetric):
    """HuberMetric subclasses keras.metrics.Metric and can be created with or without a threshold"""
    S.make(HuberMetric)
    S.make(HuberMetric, threshold=2.0, name="huber_2")


@pytest.mark.points(1)
@pytest.mark.hints(
    "Keras only tracks (saves, resets, distributes) state variables that the metric itself created.",
    "Create the totals in __init__ with self.add_weight(name=..., initializer=\"zeros\"), not with tf.Variable.",
)
def check_state_variables(HuberMetric):
    """The running totals are state variables created with add_weight"""
    metric = S.make(HuberMetric, threshold=2.0)
    tracked = list(metric.variables)
    own = [(name, v) for name, v in vars(metric).items() if isinstance(v, tf.Variable)]
    untracked = [name for name, v in own if not any(v is t or getattr(t, "value", None) is v for t in tracked)]
    if untracked:
        raise AssertionError(
            f"self.{untracked[0]} is a tf.Variable that Keras does not track as the metric's state, so it is not "
            "reset or saved with the metric. Create it with self.add_weight(name=..., initializer=\"zeros\")."
        )
    assert tracked, (
        "HuberMetric has no state variables (metric.variables is empty). Create the running totals in __init__ "
        "with self.add_weight(name=..., initializer=\"zeros\")."
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "For one batch, the result is simply the mean Huber value of that batch.",
    "In update_state, add the batch's sum of Huber values to one total and the number of values to the other; result() divides them.",
)
def check_single_batch(HuberMetric, rng):
    """After one batch, result() is that batch's mean Huber value"""
    metric = S.make(HuberMetric, threshold=2.0)
    y_true, y_pred = S.batches(rng, sizes=(12,), spreads=(4.0,))[0]
    metric.update_state(y_true, y_pred)
    expected = S.huber(y_true, y_pred, 2.0).mean()
    got = S.value(metric)
    assert math.isclose(got, expected, **CLOSE), (
        f"After one batch, HuberMetric(threshold=2.0) gives {got:.5f}; the batch's mean Huber value is {expected:.5f}."
    )


@pytest.mark.points(3)
@pytest.mark.hints(
    "Averaging the batches' averages is not the average over all the data when batches have different sizes.",
    "Keep two running totals: the sum of all Huber values so far and how many values (total weight) that is.",
    "update_state: total += reduce_sum(values); count += number of values. result: total / count (tf.math.divide_no_nan avoids 0/0).",
)
def check_streaming(HuberMetric, rng):
    """Over batches of 2, 5 and 9 samples, result() is the Huber mean of all the data together"""
    metric = S.make(HuberMetric, threshold=2.0)
    data = S.batches(rng)
    for y_true, y_pred in data:
        metric.update_state(y_true, y_pred)
    all_values = np.concatenate([S.huber(t, p, 2.0) for t, p in data])
    expected = all_values.mean()
    mean_of_batches = np.mean([S.huber(t, p, 2.0).mean() for t, p in data])
    assert abs(expected - mean_of_batches) > 0.05   # the data separates the two answers
    got = S.value(metric)
    if math.isclose(got, mean_of_batches, **CLOSE):
        raise AssertionError(
            f"After three batches of different sizes, result() is {got:.5f}, the mean of the three batch values. "
            f"Over all the data together it is {expected:.5f}: a batch of 9 samples must weigh more than a batch of 2."
        )
    last = S.huber(*data[-1], 2.0).mean()
    if math.isclose(got, last, **CLOSE):
        raise AssertionError(f"result() is {got:.5f}, the value of the last batch only: update_state must add to totals, not replace them.")
    assert math.isclose(got, expected, **CLOSE), (
        f"After three batches, result() is {got:.5f}; the Huber mean over all the data is {expected:.5f}."
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "Keras 3 calls reset_state() (singular) at the start of each epoch.",
    "reset_state should assign 0 to each state variable, e.g. self.total.assign(0.0).",
)
def check_reset_state(HuberMetric, rng):
    """reset_state() starts the metric afresh"""
    own = vars(HuberMetric)
    if "reset_states" in own and "reset_state" not in own:
        raise AssertionError(
            "HuberMetric defines reset_states(), the Keras 2 name. Keras 3 calls reset_state() (no final s) and never "
            "calls reset_states(): rename the method."
        )
    metric = S.make(HuberMetric, threshold=2.0)
    first, second = S.batches(rng, sizes=(6, 4), spreads=(4.0, 0.5))
    metric.update_state(*first)
    metric.reset_state()
    metric.update_state(*second)
    expected = S.huber(*second, 2.0).mean()
    got = S.value(metric)
    assert math.isclose(got, expected, **CLOSE), (
        f"After reset_state() and one new batch, result() is {got:.5f}; that batch alone gives {expected:.5f}: "
        "the earlier batch was not forgotten."
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "With weights, each value counts as much as its weight: the result is sum(w * huber) / sum(w).",
    "Multiply the Huber values by the weights before summing, and add the sum of the weights (not the number of values) to the count.",
    "weights = tf.ones_like(values) if sample_weight is None else tf.reshape(tf.cast(sample_weight, tf.float32), tf.shape(values))",
)
def check_sample_weight(HuberMetric, rng):
    """Sample weights are honoured: result() is the weighted mean"""
    metric = S.make(HuberMetric, threshold=2.0)
    data = S.batches(rng, sizes=(5, 8))
    weights = [rng.uniform(0.0, 3.0, size=t.shape).astype(np.float32) for t, _ in data]
    for (y_true, y_pred), w in zip(data, weights):
        metric.update_state(y_true, y_pred, sample_weight=w)
    values = np.concatenate([S.huber(t, p, 2.0) for t, p in data])
    w_all = np.concatenate(weights)
    expected = float((values * w_all).sum() / w_all.sum())
    got = S.value(metric)
    if math.isclose(got, values.mean(), **CLOSE):
        raise AssertionError(f"With sample weights, result() is {got:.5f}, the unweighted mean: sample_weight was ignored. Expected {expected:.5f}.")
    if math.isclose(got, float((values * w_all).sum() / w_all.size), **CLOSE):
        raise AssertionError(
            f"With sample weights, result() is {got:.5f}: the weighted sum was divided by the number of values; "
            f"divide by the sum of the weights to get {expected:.5f}."
        )
    assert math.isclose(got, expected, **CLOSE), f"With sample weights, result() is {got:.5f}; the weighted mean is {expected:.5f}."


@pytest.mark.points(1)
@pytest.mark.hints(
    "from_config(config) calls HuberMetric(**config): the config must hold everything __init__ needs.",
    "def get_config(self):\n    return {**super().get_config(), \"threshold\": self.threshold}",
)
def check_get_config(HuberMetric, rng):
    """get_config carries the threshold, and from_config rebuilds an equivalent metric"""
    metric = S.make(HuberMetric, threshold=2.5, name="huber_25")
    config = metric.get_config()
    assert isinstance(config, dict), f"get_config() returned a {type(config).__name__}; it should return a dict."
    assert config.get("threshold") == 2.5, f"get_config() returned {config}: the threshold 2.5 is missing."
    assert config.get("name") == "huber_25", f"get_config() returned {config}: the base config (name, dtype) is missing; start from super().get_config()."
    try:
        rebuilt = HuberMetric.from_config(config)
    except TypeError as exc:
        raise AssertionError(f"HuberMetric.from_config(metric.get_config()) failed: {exc}. Accept **kwargs in __init__.") from None
    y_true, y_pred = S.batches(rng, sizes=(10,), spreads=(4.0,))[0]
    metric.update_state(y_true, y_pred)
    rebuilt.update_state(y_true, y_pred)
    assert math.isclose(S.value(rebuilt), S.value(metric), **CLOSE), "The metric rebuilt from its config gives a different result."


@pytest.mark.points(2)
@pytest.mark.hints(
    "model.fit and model.evaluate run update_state inside a compiled graph: NumPy calls and .numpy() fail there.",
    "Use tf operations (tf.abs, tf.where, tf.reduce_sum, assign_add) on the tensors you are given.",
)
@pytest.mark.time_limit(40)
def check_in_fit(HuberMetric, rng):
    """HuberMetric works as a metric in model.fit and model.evaluate, over uneven batches"""
    import keras

    k = keras if issubclass(HuberMetric, keras.metrics.Metric) else tf.keras
    X = rng.normal(size=(25, 3)).astype(np.float32)
    y = (X @ np.array([[3.0], [-2.0], [1.0]]) + rng.normal(scale=2.0, size=(25, 1))).astype(np.float32)
    model = k.Sequential([k.Input(shape=(3,)), k.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=[S.make(HuberMetric, threshold=2.0, name="huber_check")])
    try:
        history = model.fit(X, y, epochs=2, batch_size=10, verbose=0)
        scores = model.evaluate(X, y, batch_size=7, verbose=0, return_dict=True)
    except Exception as exc:
        lines = [line for line in str(exc).strip().splitlines() if line.strip()]
        first = lines[-1].strip()[:200] if lines else type(exc).__name__
        tip = ""
        if "numpy" in str(exc).lower() or "symbolic" in str(exc).lower():
            tip = " update_state seems to use NumPy (or .numpy()) on symbolic tensors; use TensorFlow operations instead."
        raise AssertionError(f"Training with HuberMetric as a metric failed with {type(exc).__name__}: {first}.{tip}") from None
    logged = history.history.get("huber_check")
    assert logged and all(math.isfinite(v) for v in logged), (
        f"model.fit did not log finite values for the metric: {history.history}."
    )
    expected = S.huber(y, model.predict(X, verbose=0), 2.0).mean()
    got = float(scores["huber_check"])
    assert math.isclose(got, expected, rel_tol=1e-3, abs_tol=1e-4), (
        f"model.evaluate (batches of 7, 7, 7 and 4 samples) reports {got:.5f} for the metric; over all the data it is {expected:.5f}."
    )
