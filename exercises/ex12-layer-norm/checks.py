"""Checks for exercise 12: a custom LayerNormalization layer."""

import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import assert_tensors_close, calls_seen, to_numpy

from _support import (  # noqa: F401 - fixtures are found by name
    built_cls, epsilon_parameter, expected_outputs, inputs, keras_normalisers, keras_reference, layer_cls,
    weights_by_name, working_cls, build,
)

# Your layer and Keras's differ slightly when you divide by std + eps (Keras uses
# sqrt(var + eps)); inputs with a spread of a few units keep that difference tiny.
TOLERANCE = dict(rtol=5e-3, atol=5e-3)


@pytest.mark.points(1)
@pytest.mark.hints(
    "In build(), call self.add_weight twice, once per weight.",
    "The shape of each weight is the last dimension of the input: batch_input_shape[-1:].",
    'self.alpha = self.add_weight(name="alpha", shape=batch_input_shape[-1:], initializer="ones")',
)
def check_weights_created(built_cls):
    """build() creates weights named alpha and beta, one value per feature"""
    layer_cls = built_cls
    layer = build(layer_cls, (4, 6))
    weights = weights_by_name(layer)
    assert {"alpha", "beta"} <= set(weights), (
        f"After build((4, 6)) the layer should have weights named 'alpha' and 'beta'; it has {sorted(weights) or 'none'}."
    )
    assert len(layer.weights) == 2, f"The layer should have exactly two weights; it has {len(layer.weights)}."
    for name in ("alpha", "beta"):
        shape = tuple(weights[name].shape)
        assert shape == (6,), (
            f"`{name}` should have shape (6,) for inputs of shape (4, 6) (that is, input_shape[-1:]); it has shape {shape}."
        )
    layer3d = build(layer_cls, (2, 5, 7))
    shape = tuple(weights_by_name(layer3d)["alpha"].shape)
    assert shape == (7,), f"For 3-D inputs of shape (2, 5, 7), `alpha` should have shape (7,); it has {shape}."


@pytest.mark.points(1)
@pytest.mark.hints(
    "Which weight starts at 1 and which at 0? At the start the layer should just standardise.",
    'alpha uses initializer="ones", beta uses initializer="zeros".',
)
def check_initial_values(built_cls):
    """alpha starts at ones and beta at zeros"""
    layer_cls = built_cls
    weights = weights_by_name(build(layer_cls, (4, 6)))
    alpha, beta = to_numpy(weights["alpha"]), to_numpy(weights["beta"])
    assert np.allclose(alpha, 1.0), f"`alpha` should start as all ones; it starts as {np.round(alpha, 3).tolist()}."
    assert np.allclose(beta, 0.0), f"`beta` should start as all zeros; it starts as {np.round(beta, 3).tolist()}."


@pytest.mark.points(1)
@pytest.mark.hints(
    "The optimizer only updates trainable weights.",
    "add_weight(..., trainable=True, dtype=\"float32\") (trainable is the default: do not switch it off).",
)
def check_weights_trainable_float32(built_cls):
    """alpha and beta are trainable float32 weights"""
    layer_cls = built_cls
    layer = build(layer_cls, (4, 6))
    for name, weight in weights_by_name(layer).items():
        assert weight.trainable, f"`{name}` is not trainable, so training would never change it."
        dtype = getattr(weight.dtype, "name", str(weight.dtype))
        assert dtype == "float32", f"`{name}` has dtype {dtype}; it should be float32."
    assert len(layer.trainable_weights) == 2, (
        f"The layer should have 2 trainable weights; it has {len(layer.trainable_weights)}."
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "Statistics are per instance: compute them over the last axis only, not over the batch.",
    "tf.nn.moments(X, axes=-1, keepdims=True) returns the mean and the variance; the standard deviation is the square root of the variance.",
    "return self.alpha * (X - mean) / (tf.sqrt(variance) + self.eps) + self.beta",
)
def check_output_matches_keras(working_cls, rng):
    """Output matches keras.layers.LayerNormalization on 2-D inputs"""
    layer_cls = working_cls
    X = inputs(rng, (8, 10))
    mine = build(layer_cls, X.shape)
    output, delegated_to = calls_seen(keras_normalisers(), lambda: mine(X))
    assert not delegated_to, (
        f"`call()` hands the normalisation to Keras's own {delegated_to[0]}, so matching Keras shows nothing. "
        "Compute the mean and variance with tf.nn.moments and apply the formula yourself."
    )
    reference = keras_reference(layer_cls)
    assert_tensors_close(output, reference(X), **TOLERANCE, what="Your layer's output")


@pytest.mark.points(1)
@pytest.mark.hints(
    "With alpha and beta no longer ones and zeros, both must take part in the result.",
    "Multiply the normalised input by alpha, then add beta.",
)
def check_output_with_random_alpha_beta(working_cls, rng):
    """Output matches Keras after both layers get the same random alpha and beta"""
    layer_cls = working_cls
    X = inputs(rng, (8, 10))
    mine = build(layer_cls, X.shape)
    reference = keras_reference(layer_cls)
    reference(X)
    alpha = rng.normal(1.0, 0.5, size=10).astype("float32")
    beta = rng.normal(0.0, 0.5, size=10).astype("float32")
    weights = weights_by_name(mine)
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
def check_3d_inputs(working_cls, rng):
    """Works on 3-D inputs (batch, time, features)"""
    layer_cls = working_cls
    X = inputs(rng, (3, 5, 7))
    mine = build(layer_cls, X.shape)
    assert_tensors_close(mine(X), keras_reference(layer_cls)(X), **TOLERANCE, what="On a 3-D input, your layer's output")


@pytest.mark.points(1)
@pytest.mark.hints(
    "Use TensorFlow operations only inside call(), so gradients can flow.",
    "NumPy calls and Python conversions (float(), .numpy()) cut the gradient.",
)
def check_finite_gradients(working_cls, rng, advise):
    """Gradients with respect to the input, alpha and beta are finite"""
    layer_cls = working_cls
    X = inputs(rng, (6, 8))
    layer = build(layer_cls, X.shape)
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
    largest = float(np.nanmax(np.abs(np.where(np.isfinite(flat_grad), flat_grad, 0.0))))
    if not np.isfinite(flat_grad).all():
        kind, seen = "nan-gradient", "your layer's gradient with respect to the input is NaN"
    elif largest > 300:  # sqrt(var + eps) gives about 110 here, std + eps about 3500
        kind, seen = "large-gradient", f"your layer's gradient with respect to the input is very large (up to {largest:.0f})"
    else:
        return
    advise(
        f"For an instance whose features are all equal, {seen}: its standard deviation is 0, so dividing by "
        "std + eps magnifies every small change by 1/eps, and the square root has no finite slope at 0.",
        fix="Divide by tf.sqrt(variance + self.eps) instead of tf.sqrt(variance) + self.eps: the output hardly "
        "changes and the gradient stays finite and moderate. (No points lost: the exercise's formula is std + eps.)",
        kind=kind, largest_gradient=largest,
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "The epsilon given to the constructor must be the one call() uses; a number typed into call() ignores it.",
    "Keep the constructor argument on the layer (self.eps = eps) and use self.eps in the formula.",
    "return self.alpha * (X - mean) / (tf.sqrt(variance) + self.eps) + self.beta",
)
def check_epsilon_used(working_cls, rng):
    """The epsilon passed to the constructor (default 0.001) is the one call() uses"""
    param = epsilon_parameter(working_cls)
    assert param is not None, (
        "Your layer's __init__ should take the epsilon as an argument with a default value "
        "(for example eps=0.001)."
    )
    assert abs(param.default - 0.001) < 1e-12, (
        f"The default of `{param.name}` is {param.default}; the exercise asks for 0.001."
    )
    # Rows with a small spread, where the epsilon changes the output a lot.
    X = inputs(rng, (6, 8), loc=1.0, scale=0.05)
    for eps in (0.001, 0.2):
        layer = build(working_cls, X.shape, **{param.name: eps})
        weights = weights_by_name(layer)
        got = to_numpy(layer(X))
        alpha, beta = to_numpy(weights["alpha"]), to_numpy(weights["beta"])
        candidates = expected_outputs(to_numpy(X), alpha, beta, eps)
        errors = [float(np.max(np.abs(got - want))) for want in candidates]
        assert min(errors) < 0.02 * max(1.0, float(np.max(np.abs(candidates[0])))), (
            f"With {param.name}={eps}, on rows whose values barely vary, your layer's output is off by up to "
            f"{min(errors):.3g} from (X - mean) / (std + {param.name}): call() does not use the epsilon it was given."
        )


@pytest.mark.points(1)
@pytest.mark.hints(
    "get_config() must return everything __init__ needs to rebuild the layer: the base class's settings and yours.",
    "Start from super().get_config() and add the epsilon under the same name as the __init__ argument.",
    'return {**super().get_config(), "eps": self.eps}',
)
def check_config_round_trip(working_cls, rng):
    """get_config() saves the epsilon and from_config() rebuilds an equivalent layer"""
    param = epsilon_parameter(working_cls)
    assert param is not None, (
        "Your layer's __init__ should take the epsilon as an argument with a default value "
        "(for example eps=0.001) so that get_config() can save it."
    )
    chosen = 0.0375
    try:
        layer = working_cls(**{param.name: chosen}, name="my_norm")
    except TypeError as exc:
        raise AssertionError(
            f"LayerNormalization({param.name}={chosen}, name=\"my_norm\") failed ({exc}): __init__ should take "
            "**kwargs and pass them on to super().__init__(**kwargs)."
        ) from None
    assert layer.name == "my_norm", (
        "LayerNormalization(name=\"my_norm\") did not get that name: pass **kwargs on to super().__init__(**kwargs)."
    )
    config = layer.get_config()
    assert isinstance(config, dict), f"get_config() returned {type(config).__name__}; it should return a dict."
    assert param.name in config, (
        f"LayerNormalization({param.name}={chosen}).get_config() should hold the epsilon under the key "
        f"{param.name!r} (the name __init__ takes); its keys are {sorted(config)}."
    )
    try:
        clone = working_cls.from_config(config)
    except Exception as exc:
        raise AssertionError(
            f"from_config(get_config()) could not rebuild your layer: {str(exc).splitlines()[-1][:200]} "
            "Every key of the config must be an argument __init__ accepts (its own, or the base class's through **kwargs)."
        ) from None
    assert clone.name == "my_norm", (
        "The layer rebuilt from get_config() lost its name: start the config from super().get_config()."
    )
    X = inputs(rng, (4, 6), loc=1.0, scale=0.05)   # a small spread, where the epsilon shows
    layer(X)
    clone(X)
    clone.set_weights(layer.get_weights())
    assert_tensors_close(clone(X), layer(X), rtol=1e-5, atol=1e-5,
                         what="The output of the layer rebuilt by from_config(get_config())")


@pytest.mark.points(1)
@pytest.mark.hints(
    "Inside a tf.function (as in model.fit) the inputs are symbolic: NumPy cannot read them, TensorFlow ops can.",
    "Compute the statistics with tf.nn.moments and keep call() to TensorFlow operations on X and the weights.",
)
def check_no_retracing(working_cls, rng):
    """Works inside tf.function, and repeated calls with inputs of one shape trace it only once"""
    layer = build(working_cls, (4, 6))
    layer(inputs(rng, (4, 6)))
    traced = tf.function(lambda X: layer(X))
    try:
        traced(inputs(rng, (4, 6)))
    except (NotImplementedError, TypeError) as exc:
        if "numpy" in str(exc).lower() or "symbolic" in str(exc).lower():
            raise AssertionError(
                "Your layer fails inside a tf.function (as in model.fit): call() hands a symbolic tensor to NumPy. "
                "Compute the mean and variance with TensorFlow (tf.nn.moments)."
            ) from None
        raise
    for _ in range(4):
        traced(inputs(rng, (4, 6)))
    count = traced.experimental_get_tracing_count()
    assert count == 1, f"Calling the layer 5 times with inputs of shape (4, 6) under tf.function traced it {count} times; once is enough."
