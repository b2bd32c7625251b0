"""Checks for exercise 12: a custom LayerNormalization layer."""

import inspect
import re

import numpy as np
import pytest
import tensorflow as tf

from tfgrade.assertions import assert_tensors_close, to_numpy

# Your layer and Keras's differ slightly when you divide by std + eps (Keras uses
# sqrt(var + eps)); inputs with a spread of a few units keep that difference tiny.
TOLERANCE = dict(rtol=5e-3, atol=5e-3)
EPS = 1e-3


def _layer_bases():
    import keras

    bases = [keras.layers.Layer]
    try:  # legacy Keras 2 (tf_keras) spelling, when TF_USE_LEGACY_KERAS switched tf.keras
        bases.append(tf.keras.layers.Layer)
    except Exception:
        pass
    return tuple(bases)


def _keras_reference(layer_cls):
    """Keras's own LayerNormalization from the same Keras the learner's class uses."""
    import keras

    if issubclass(layer_cls, keras.layers.Layer):
        return keras.layers.LayerNormalization(epsilon=EPS)
    return tf.keras.layers.LayerNormalization(epsilon=EPS)


def _keras2_idiom_message(exc, layer_cls):
    source = ""
    try:
        source = inspect.getsource(layer_cls)
    except (OSError, TypeError):
        pass
    if re.search(r"add_weight\(\s*['\"]", source):
        return ("Keras 3 takes the weight's name as a keyword only: write "
                "self.add_weight(name=\"alpha\", shape=..., initializer=\"ones\"), not add_weight(\"alpha\", ...).")
    if "dynamic=True" in source:
        return "Keras 3 layers no longer accept dynamic=True; remove it."
    return None


@pytest.fixture
def layer_cls(learner):
    cls = learner.require("LayerNormalization")
    assert isinstance(cls, type) and issubclass(cls, _layer_bases()), (
        "`LayerNormalization` should be a class that subclasses keras.layers.Layer."
    )
    return cls


def _built(layer_cls, shape, **kwargs):
    layer = layer_cls(**kwargs)
    try:
        layer.build(shape)
        layer.built = True
    except Exception as exc:
        advice = _keras2_idiom_message(exc, layer_cls)
        if advice:
            raise AssertionError(advice) from None
        raise
    return layer


def _inputs(rng, shape):
    # A spread of a few units and an offset, so per-instance statistics really matter.
    return tf.constant(rng.normal(loc=2.0, scale=3.0, size=shape), dtype=tf.float32)


def _weights_by_name(layer):
    found = {}
    for weight in layer.weights:
        name = weight.name.split("/")[-1].split(":")[0]
        found[name] = weight
    return found


@pytest.mark.points(1)
@pytest.mark.hints(
    "In build(), call self.add_weight twice, once per weight.",
    "The shape of each weight is the last dimension of the input: batch_input_shape[-1:].",
    'self.alpha = self.add_weight(name="alpha", shape=batch_input_shape[-1:], initializer="ones")',
)
def check_weights_created(layer_cls):
    """build() creates weights named alpha and beta, one value per feature"""
    layer = _built(layer_cls, (4, 6))
    weights = _weights_by_name(layer)
    assert {"alpha", "beta"} <= set(weights), (
        f"After build((4, 6)) the layer should have weights named 'alpha' and 'beta'; it has {sorted(weights) or 'none'}."
    )
    assert len(layer.weights) == 2, f"The layer should have exactly two weights; it has {len(layer.weights)}."
    for name in ("alpha", "beta"):
        shape = tuple(weights[name].shape)
        assert shape == (6,), (
            f"`{name}` should have shape (6,) for inputs of shape (4, 6) (that is, input_shape[-1:]); it has shape {shape}."
        )
    layer3d = _built(layer_cls, (2, 5, 7))
    shape = tuple(_weights_by_name(layer3d)["alpha"].shape)
    assert shape == (7,), f"For 3-D inputs of shape (2, 5, 7), `alpha` should have shape (7,); it has {shape}."


@pytest.mark.points(1)
@pytest.mark.hints(
    "Which weight starts at 1 and which at 0? At the start the layer should just standardise.",
    'alpha uses initializer="ones", beta uses initializer="zeros".',
)
def check_initial_values(layer_cls):
    """alpha starts at ones and beta at zeros"""
    weights = _weights_by_name(_built(layer_cls, (4, 6)))
    alpha, beta = to_numpy(weights["alpha"]), to_numpy(weights["beta"])
    assert np.allclose(alpha, 1.0), f"`alpha` should start as all ones; it starts as {np.round(alpha, 3).tolist()}."
    assert np.allclose(beta, 0.0), f"`beta` should start as all zeros; it starts as {np.round(beta, 3).tolist()}."


@pytest.mark.points(1)
@pytest.mark.hints(
    "The optimizer only updates trainable weights.",
    "add_weight(..., trainable=True, dtype=\"float32\") (trainable is the default: do not switch it off).",
)
def check_weights_trainable_float32(layer_cls):
    """alpha and beta are trainable float32 weights"""
    layer = _built(layer_cls, (4, 6))
    for name, weight in _weights_by_name(layer).items():
        assert weight.trainable, f"`{name}` is not trainable, so training would never change it."
        dtype = getattr(weight.dtype, "name", str(weight.dtype))
        assert dtype == "float32", f"`{name}` has dtype {dtype}; it should be float32."
    assert len(layer.trainable_weights) == 2, (
        f"The layer should have 2 trainable weights; it has {len(layer.trainable_weights)}."
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Statistics are per instance: compute them over the last axis only, not over the batch.",
    "tf.nn.moments(X, axes=-1, keepdims=True) returns the mean and the variance; the standard deviation is the square root of the variance.",
    "return self.alpha * (X - mean) / (tf.sqrt(variance) + self.eps) + self.beta",
)
def check_output_matches_keras(layer_cls, rng):
    """Output matches keras.layers.LayerNormalization on 2-D inputs"""
    X = _inputs(rng, (8, 10))
    mine = _built(layer_cls, X.shape)
    reference = _keras_reference(layer_cls)
    assert_tensors_close(mine(X), reference(X), **TOLERANCE, what="Your layer's output")


@pytest.mark.points(1)
@pytest.mark.hints(
    "With alpha and beta no longer ones and zeros, both must take part in the result.",
    "Multiply the normalised input by alpha, then add beta.",
)
def check_output_with_random_alpha_beta(layer_cls, rng):
    """Output matches Keras after both layers get the same random alpha and beta"""
    X = _inputs(rng, (8, 10))
    mine = _built(layer_cls, X.shape)
    reference = _keras_reference(layer_cls)
    reference(X)
    alpha = rng.normal(1.0, 0.5, size=10).astype("float32")
    beta = rng.normal(0.0, 0.5, size=10).astype("float32")
    weights = _weights_by_name(mine)
    weights["alpha"].assign(alpha)
    weights["beta"].assign(beta)
    reference.gamma.assign(alpha)
    reference.beta.assign(beta)
    assert_tensors_close(mine(X), reference(X), **TOLERANCE, what="With random alpha and beta, your layer's output")


@pytest.mark.points(1)
@pytest.mark.hints(
    "A 3-D input is (batch, time steps, features): normalise over the features only.",
    "axes=-1 works for any number of dimensions; axes=1 does not.",
)
def check_3d_inputs(layer_cls, rng):
    """Works on 3-D inputs (batch, time, features)"""
    X = _inputs(rng, (3, 5, 7))
    mine = _built(layer_cls, X.shape)
    assert_tensors_close(mine(X), _keras_reference(layer_cls)(X), **TOLERANCE, what="On a 3-D input, your layer's output")


@pytest.mark.points(1)
@pytest.mark.hints(
    "Use TensorFlow operations only inside call(), so gradients can flow.",
    "NumPy calls and Python conversions (float(), .numpy()) cut the gradient.",
)
def check_finite_gradients(layer_cls, rng, advise):
    """Gradients with respect to the input, alpha and beta are finite"""
    X = _inputs(rng, (6, 8))
    layer = _built(layer_cls, X.shape)
    upstream = tf.constant(rng.normal(size=(6, 8)), dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(X)
        loss = tf.reduce_sum(layer(X) * upstream)
    grads = tape.gradient(loss, [X, *layer.trainable_weights])
    names = ["the input", *[w.name for w in layer.trainable_weights]]
    for name, grad in zip(names, grads):
        assert grad is not None, (
            f"There is no gradient with respect to {name}: it does not take part in the output, "
            "or call() leaves TensorFlow (NumPy, .numpy(), float()) on the way."
        )
        assert np.isfinite(to_numpy(grad)).all(), f"The gradient with respect to {name} contains NaN or infinity."

    # Advice only (no points): for an instance whose features are all equal, std is 0 and
    # the derivative of sqrt at 0 is infinite; depending on the TF version the std + eps form
    # then gives NaN gradients, or gradients scaled by 1/eps (about 1000x too large).
    flat = tf.fill((1, 8), 3.0)
    with tf.GradientTape() as tape:
        tape.watch(flat)
        loss = tf.reduce_sum(layer(flat) * tf.range(1.0, 9.0))
    flat_grad = to_numpy(tape.gradient(loss, flat))
    if not np.isfinite(flat_grad).all():
        problem = "your layer's gradients are NaN"
    elif np.abs(flat_grad).max() > 300:  # sqrt(var + eps) gives about 110 here, std + eps about 3500
        problem = f"your layer's gradients explode (up to {np.abs(flat_grad).max():.0f})"
    else:
        problem = None
    if problem:
        advise(
            f"For an instance whose features are all equal, {problem}: its standard deviation is 0, "
            "so dividing by std + eps amplifies every change by 1/eps, and sqrt has no finite slope at 0.",
            fix="Divide by tf.sqrt(variance + self.eps) instead of tf.sqrt(variance) + self.eps: the output "
            "hardly changes and the gradient stays finite and moderate. (No points lost: the exercise's "
            "formula is std + eps.)",
            kind="nan-gradient",
        )


def _epsilon_parameter(layer_cls):
    params = inspect.signature(layer_cls.__init__).parameters.values()
    floats = [p for p in params if isinstance(p.default, float)]
    named = [p for p in floats if "eps" in p.name.lower()]
    return (named or floats or [None])[0]


@pytest.mark.points(1)
@pytest.mark.hints(
    "get_config() must return everything __init__ needs to rebuild the layer.",
    "Start from super().get_config() and add the epsilon under the same name as the __init__ argument.",
    'return {**super().get_config(), "eps": self.eps}',
)
def check_config_round_trip(layer_cls, rng):
    """get_config() saves the epsilon and from_config() rebuilds an equivalent layer"""
    param = _epsilon_parameter(layer_cls)
    assert param is not None, (
        "Your layer's __init__ should take the epsilon as an argument with a default value "
        "(for example eps=0.001) so that get_config() can save it."
    )
    chosen = 0.0375
    layer = layer_cls(**{param.name: chosen})
    config = layer.get_config()
    assert any(isinstance(v, float) and abs(v - chosen) < 1e-12 for v in config.values()), (
        f"LayerNormalization({param.name}={chosen}).get_config() should contain the epsilon {chosen}; "
        f"it holds {sorted(config)}."
    )
    clone = layer_cls.from_config(config)
    X = _inputs(rng, (4, 6))
    layer(X)
    clone(X)
    clone.set_weights(layer.get_weights())
    assert_tensors_close(clone(X), layer(X), rtol=1e-6, atol=1e-6,
                         what="The output of the layer rebuilt by from_config(get_config())")


@pytest.mark.points(1)
@pytest.mark.hints(
    "A tf.function traces once per input signature; Python values computed from the tensors force new traces.",
    "Keep call() to TensorFlow operations on X and the weights.",
)
def check_no_retracing(layer_cls, rng):
    """Repeated calls with inputs of one shape trace the layer only once"""
    layer = _built(layer_cls, (4, 6))
    layer(_inputs(rng, (4, 6)))
    traced = tf.function(lambda X: layer(X))
    for _ in range(5):
        traced(_inputs(rng, (4, 6)))
    count = traced.experimental_get_tracing_count()
    assert count == 1, f"Calling the layer 5 times with inputs of shape (4, 6) under tf.function traced it {count} times; once is enough."
