"""Checks for q05: a Huber loss class with a threshold, get_config, and a save/reload round trip."""

import importlib.util
import math
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import calls_seen


def _load_support():
    spec = importlib.util.spec_from_file_location("tfgrade_q05_support", Path(__file__).with_name("_support.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


S = _load_support()


@pytest.fixture
def HuberLoss(learner, observations):
    return S.loss_class(learner, observations)


@pytest.mark.points(1)
@pytest.mark.hints(
    "Start from `class HuberLoss(keras.losses.Loss):` and give __init__ a `threshold=1.0` parameter plus **kwargs.",
    "Call super().__init__(**kwargs) first, then store the threshold on self. Keras 3 needs no reduction argument.",
    "def __init__(self, threshold=1.0, **kwargs):\n    super().__init__(**kwargs)\n    self.threshold = threshold",
)
def check_loss_class(HuberLoss):
    """HuberLoss subclasses keras.losses.Loss and can be created with or without a threshold"""
    S.make(HuberLoss)
    S.make(HuberLoss, threshold=2.0)
    S.make(HuberLoss, threshold=0.5, name="my_huber")


@pytest.mark.points(2)
@pytest.mark.hints(
    "Compute the error, then pick between the squared and the linear piece element by element.",
    "tf.where(condition, a, b) chooses per element; check both pieces against the formulas in the prompt (both have a / 2).",
    "error = y_true - y_pred; small = tf.abs(error) < self.threshold; return tf.where(small, tf.square(error) / 2, self.threshold * tf.abs(error) - self.threshold ** 2 / 2)",
)
def check_matches_reference(HuberLoss, rng):
    """With the default threshold (1.0), the loss matches the Huber formula on both sides of the threshold"""
    loss = S.make(HuberLoss)
    y_true, y_pred = S.data(rng)
    per_element = S.huber(y_true, y_pred, 1.0)
    error = np.abs(y_true - y_pred)
    assert (error < 1.0).any() and (error > 1.0).any()   # the data exercises both branches
    got, delegated_to = calls_seen(S.keras_hubers(), lambda: S.scalar(loss, y_true, y_pred))
    assert not delegated_to, (
        f"HuberLoss.call hands the work to {delegated_to[0]}, so matching the formula shows nothing. "
        "Write the two pieces yourself and choose between them with tf.where."
    )
    small, large = error < 1.0, error >= 1.0
    if not math.isclose(got, per_element.mean(), rel_tol=1e-4, abs_tol=1e-5):
        only_small = S.scalar(loss, y_true[small][:, None], y_pred[small][:, None])
        only_large = S.scalar(loss, y_true[large][:, None], y_pred[large][:, None])
        wrong = []
        if not math.isclose(only_small, per_element[small].mean(), rel_tol=1e-4, abs_tol=1e-5):
            wrong.append(f"for errors smaller than the threshold it gives {only_small:.5f}, expected {per_element[small].mean():.5f}")
        if not math.isclose(only_large, per_element[large].mean(), rel_tol=1e-4, abs_tol=1e-5):
            wrong.append(f"for errors beyond the threshold it gives {only_large:.5f}, expected {per_element[large].mean():.5f}")
        detail = "; ".join(wrong) or "each piece is right on its own, but not their combination"
        raise AssertionError(
            f"HuberLoss() gives {got:.5f} on random data; the Huber formula gives {per_element.mean():.5f}: {detail}."
        )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Every place where the formula says t must read the threshold given to __init__.",
    "Store the threshold on self in __init__ and use self.threshold in call, in both the condition and the linear piece.",
)
def check_threshold_respected(HuberLoss, rng):
    """The threshold passed to HuberLoss is the one used (tried with 0.25 and 2.5)"""
    y_true, y_pred = S.data(rng)
    default = S.scalar(S.make(HuberLoss), y_true, y_pred)
    for threshold in (0.25, 2.5):
        expected = S.huber(y_true, y_pred, threshold).mean()
        got = S.scalar(S.make(HuberLoss, threshold=threshold), y_true, y_pred)
        if math.isclose(got, default, rel_tol=1e-6) and not math.isclose(expected, default, rel_tol=1e-3):
            raise AssertionError(
                f"HuberLoss(threshold={threshold}) gives the same value as HuberLoss() ({got:.5f}): the threshold "
                "given to __init__ is not used in call."
            )
        assert math.isclose(got, expected, rel_tol=1e-4, abs_tol=1e-5), (
            f"HuberLoss(threshold={threshold}) gives {got:.5f}; the Huber formula with t={threshold} gives {expected:.5f}."
        )


@pytest.mark.points(1)
@pytest.mark.hints(
    "get_config returns a dict of everything needed to rebuild the object; from_config calls the class with it.",
    "Start from the base class's dict (super().get_config()) so that name and reduction are kept, and add the threshold.",
    "def get_config(self):\n    return {**super().get_config(), \"threshold\": self.threshold}",
)
def check_get_config(HuberLoss, rng):
    """get_config carries the threshold (and the base config), and from_config rebuilds the same loss"""
    loss = S.make(HuberLoss, threshold=2.5, name="huber_25")
    config = loss.get_config()
    assert isinstance(config, dict), f"get_config() returned a {type(config).__name__}; it should return a dict."
    assert "threshold" in config, f"get_config() returned {config}: the threshold is missing, so it would be lost when the model is saved."
    assert config["threshold"] == 2.5, f"get_config()['threshold'] is {config['threshold']!r} for HuberLoss(threshold=2.5)."
    assert config.get("name") == "huber_25", (
        f"get_config() returned {config}: the base class's settings (name, reduction) are missing. "
        "Start from super().get_config()."
    )
    try:
        rebuilt = HuberLoss.from_config(config)
    except TypeError as exc:
        raise AssertionError(
            f"HuberLoss.from_config(loss.get_config()) failed: {exc}. __init__ must accept **kwargs and pass them to "
            "super().__init__()."
        ) from None
    y_true, y_pred = S.data(rng)
    assert math.isclose(S.scalar(rebuilt, y_true, y_pred), S.scalar(loss, y_true, y_pred), rel_tol=1e-5), (
        "The loss rebuilt with from_config(get_config()) gives a different value from the original."
    )


def _regression_data(rng, n=96):
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = (X @ np.array([[2.0], [-3.0], [1.5], [4.0]]) + 1.0 + rng.normal(scale=0.3, size=(n, 1))).astype(np.float32)
    return X, y


def _model(keras_module):
    model = keras_module.Sequential([keras_module.Input(shape=(4,)), keras_module.layers.Dense(1)])
    return model


def _keras_for(cls):
    import keras

    return keras if issubclass(cls, keras.losses.Loss) else tf.keras


@pytest.mark.points(2)
@pytest.mark.hints(
    "Keras runs `call` inside a compiled graph: everything in it must be a TensorFlow (or keras.ops) operation.",
    "NumPy functions and .numpy() only work on concrete values; in the graph, y_true and y_pred are symbolic. Use tf.abs, tf.square, tf.where.",
)
@pytest.mark.time_limit(40)
def check_trains(HuberLoss, rng):
    """A model compiled with HuberLoss(threshold=2.0) trains: the loss is finite and goes down"""
    k = _keras_for(HuberLoss)
    X, y = _regression_data(rng)
    model = _model(k)
    model.compile(optimizer=k.optimizers.SGD(learning_rate=0.05), loss=S.make(HuberLoss, threshold=2.0))
    try:
        history = model.fit(X, y, epochs=4, batch_size=32, verbose=0)
    except Exception as exc:  # the learner's call failed inside the training graph
        text = str(exc).strip().splitlines()
        first = next((line for line in reversed(text) if line.strip()), type(exc).__name__)
        tip = ""
        if "numpy" in str(exc).lower() or "symbolic" in str(exc).lower():
            tip = " It looks like `call` uses NumPy (or .numpy()) on symbolic tensors; use TensorFlow operations instead."
        raise AssertionError(f"model.fit failed with {type(exc).__name__}: {first.strip()[:200]}.{tip}") from None
    losses = history.history["loss"]
    assert all(math.isfinite(v) for v in losses), f"Training with HuberLoss gave non-finite losses: {losses}."
    assert losses[-1] < losses[0], f"Training with HuberLoss did not lower the loss: {[round(v, 4) for v in losses]}."


def _registered(cls):
    import keras

    try:
        return keras.saving.get_registered_object(keras.saving.get_registered_name(cls)) is cls
    except Exception:
        return False


@pytest.mark.points(2)
@pytest.mark.hints(
    "A .keras file stores the loss through get_config; load_model must then find your class to rebuild it.",
    "Decorate the class with @keras.saving.register_keras_serializable() so load_model finds it without custom_objects.",
    "Make sure get_config includes the threshold: otherwise the reloaded loss falls back to threshold=1.0.",
)
@pytest.mark.time_limit(40)
def check_save_and_reload(HuberLoss, rng, advise):
    """A compiled model saves to .keras and reloads with the same HuberLoss(threshold=2.0)"""
    k = _keras_for(HuberLoss)
    X, y = _regression_data(rng, n=32)
    model = _model(k)
    model.compile(optimizer="sgd", loss=S.make(HuberLoss, threshold=2.0))
    registered = _registered(HuberLoss)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "huber_model.keras")
        with warnings.catch_warnings():
            # Keras's own saving code trips a NumPy 2 DeprecationWarning: noise, not about the learner's code.
            warnings.simplefilter("ignore", DeprecationWarning)
            model.save(path)
        try:
            if registered:
                loaded = k.models.load_model(path)
            else:
                loaded = k.models.load_model(path, custom_objects={"HuberLoss": HuberLoss})
        except Exception as exc:
            raise AssertionError(
                f"Loading the saved model failed: {type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}"
            ) from None
    if not registered:
        advise(
            "HuberLoss is not registered, so reloading a saved model needs custom_objects={'HuberLoss': HuberLoss}.",
            fix="Decorate the class with @keras.saving.register_keras_serializable().",
        )
    reloaded_loss = loaded.loss
    assert isinstance(reloaded_loss, HuberLoss), (
        f"The reloaded model's loss is {type(reloaded_loss).__name__}, not your HuberLoss."
    )
    threshold = reloaded_loss.get_config().get("threshold")
    assert threshold == 2.0, (
        f"The reloaded model's HuberLoss has threshold {threshold!r} in its config; it was saved with threshold=2.0."
    )
    before = model.evaluate(X, y, verbose=0, batch_size=32)
    after = loaded.evaluate(X, y, verbose=0, batch_size=32)
    assert math.isclose(float(np.asarray(before)), float(np.asarray(after)), rel_tol=1e-5, abs_tol=1e-6), (
        f"The reloaded model evaluates to a loss of {after:.5f}; the original gave {before:.5f}."
    )
