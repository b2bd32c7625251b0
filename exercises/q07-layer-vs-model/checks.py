"""Checks for q07: a residual block as a Layer, a regressor as a Model."""

import os
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import assert_shape, assert_tensors_close, to_numpy

# `keras.…` and `tf.keras.…` are the same classes under Keras 3; both are accepted anyway.
LAYER = tuple({keras.layers.Layer, tf.keras.layers.Layer})
MODEL = tuple({keras.Model, tf.keras.Model})


def _class(learner, name):
    cls = learner[name]
    assert isinstance(cls, type), f"`{name}` should be a class (a `class {name}(...):` statement), but it is a {type(cls).__name__}."
    return cls


def _model_class(learner):
    cls = _class(learner, "ResidualRegressor")
    assert issubclass(cls, MODEL), (
        "Not checked: `ResidualRegressor` must subclass `keras.Model` first (see the check about its base class)."
    )
    return cls


def _floats(rng, *shape):
    return rng.normal(size=shape).astype("float32")


@pytest.mark.points(1)
@pytest.mark.hints(
    "Ask yourself whether a residual block is something you would ever train, evaluate or save on its own.",
    "A block is a component used inside a model: its base class is the one `Dense` also derives from.",
    "Write `class ResidualBlock(keras.layers.Layer):`.",
)
@pytest.mark.needs("ResidualBlock")
def check_block_is_a_layer(learner):
    """ResidualBlock subclasses keras.layers.Layer, not keras.Model"""
    cls = _class(learner, "ResidualBlock")
    assert issubclass(cls, LAYER), "`ResidualBlock` does not subclass `keras.layers.Layer`."
    assert not issubclass(cls, MODEL), (
        "`ResidualBlock` subclasses `keras.Model`. A block that is only used inside another model is a "
        "component: subclass `keras.layers.Layer`, and keep `keras.Model` for the object you compile and fit."
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "The regressor is the object you call `compile`, `fit` and `save` on: which base class provides those?",
    "Only `keras.Model` has `compile`, `fit`, `evaluate` and `save`.",
    "Write `class ResidualRegressor(keras.Model):`.",
)
@pytest.mark.needs("ResidualRegressor")
def check_regressor_is_a_model(learner):
    """ResidualRegressor subclasses keras.Model"""
    cls = _class(learner, "ResidualRegressor")
    assert issubclass(cls, MODEL), (
        "`ResidualRegressor` does not subclass `keras.Model`, so it has no `compile`, `fit` or `save`. "
        "The object you train is a model: subclass `keras.Model`."
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Keras only tracks weights of layers stored as attributes of your layer (a list attribute works too).",
    "Create the `n_layers` Dense layers once, in `__init__`, and store them, e.g. in `self.hidden = [...]`; "
    "creating layers inside `call` makes new, untracked weights on every call.",
    "`self.hidden = [keras.layers.Dense(n_neurons, activation=\"relu\") for _ in range(n_layers)]` in `__init__`.",
)
@pytest.mark.needs("ResidualBlock")
def check_block_tracks_its_weights(learner, rng):
    """ResidualBlock(n_layers, n_neurons) owns n_layers dense layers' weights and keeps the input shape"""
    block = _class(learner, "ResidualBlock")(n_layers=3, n_neurons=5)
    x = _floats(rng, 4, 5)
    out = block(x)
    assert_shape(out, (4, 5), what="The output of `ResidualBlock(n_layers=3, n_neurons=5)` on a (4, 5) batch")
    weights = block.trainable_weights
    assert weights, (
        "`ResidualBlock(n_layers=3, n_neurons=5)` has no trainable weights after being called. Create its Dense "
        "layers in `__init__` and keep them as attributes so that Keras tracks them."
    )
    kernels = [w for w in weights if len(w.shape) == 2]
    assert len(kernels) == 3 and len(weights) == 6, (
        f"`ResidualBlock(n_layers=3, n_neurons=5)` tracks {len(kernels)} dense kernels ({len(weights)} weights in all); "
        "expected 3 kernels and 3 biases: create `n_layers` Dense layers, not a fixed number."
    )
    shapes = sorted(tuple(w.shape) for w in weights)
    assert shapes == [(5,)] * 3 + [(5, 5)] * 3, (
        f"The block's weights have shapes {shapes}; with n_neurons=5 each Dense layer should have a (5, 5) "
        "kernel and a (5,) bias: use `n_neurons` units."
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "A residual block adds its input to what its layers computed.",
    "Keep a reference to `inputs`, send a copy through the dense layers, and add the two at the end.",
    "`Z = inputs`; `for layer in self.hidden: Z = layer(Z)`; `return inputs + Z`.",
)
@pytest.mark.needs("ResidualBlock")
def check_block_adds_its_input(learner, rng):
    """ResidualBlock returns inputs + the output of its ReLU dense layers"""
    block = _class(learner, "ResidualBlock")(n_layers=2, n_neurons=4)
    x = _floats(rng, 6, 4)
    block(x)
    assert block.trainable_weights, (
        "Not checked: the block has no tracked weights to set (see the check about its weights): create its "
        "Dense layers in `__init__`."
    )
    for w in block.weights:
        w.assign(np.zeros(w.shape, dtype="float32"))
    assert_tensors_close(
        block(x), x, atol=1e-6,
        what="With every weight set to zero, the block's output (it should be the input itself: inputs + 0; "
        "is the skip connection `inputs + Z` missing?)",
    )
    for w in block.weights:
        w.assign(rng.normal(scale=0.5, size=w.shape).astype("float32"))
    kernels = [to_numpy(w) for w in block.trainable_weights if len(w.shape) == 2]
    biases = [to_numpy(w) for w in block.trainable_weights if len(w.shape) == 1]
    z = x
    for kernel, bias in zip(kernels, biases):
        z = np.maximum(z @ kernel + bias, 0.0)
    assert_tensors_close(
        block(x), x + z, atol=1e-4, rtol=1e-4,
        what="The block's output (expected inputs + relu-dense(relu-dense(inputs)))",
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "Keras needs to rebuild the block from its config: every argument of `__init__` must be in it.",
    "Start from `super().get_config()` and add the two arguments of your `__init__`.",
    "`return {**super().get_config(), \"n_layers\": self.n_layers, \"n_neurons\": self.n_neurons}`.",
)
@pytest.mark.needs("ResidualBlock")
def check_block_config_round_trip(learner, rng):
    """ResidualBlock.get_config carries n_layers and n_neurons"""
    cls = _class(learner, "ResidualBlock")
    block = cls(n_layers=3, n_neurons=5)
    block(_floats(rng, 2, 5))
    config = block.get_config()
    assert isinstance(config, dict), f"`get_config()` should return a dict; it returned {type(config).__name__}."
    for key, value in (("n_layers", 3), ("n_neurons", 5)):
        assert config.get(key) == value, (
            f"`ResidualBlock(n_layers=3, n_neurons=5).get_config()` should contain {key!r}: {value}; "
            f"it contains {sorted(config)}."
        )
    copy = cls.from_config(config)
    copy(_floats(rng, 2, 5))
    assert sorted(tuple(w.shape) for w in copy.weights) == sorted(tuple(w.shape) for w in block.weights), (
        "A block rebuilt with `ResidualBlock.from_config(block.get_config())` has different weights from the original."
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Every layer the model uses must be an attribute set in `__init__`, so its weights show up in `model.weights`.",
    "The model needs a Dense(n_neurons), two different ResidualBlock objects and a Dense(output_dim), all created in `__init__`.",
    "`self.hidden1 = Dense(n_neurons, relu)`, `self.block1 = ResidualBlock(2, n_neurons)`, "
    "`self.block2 = ResidualBlock(2, n_neurons)`, `self.out = Dense(output_dim)`; `call` chains them.",
)
@pytest.mark.needs("ResidualRegressor", "ResidualBlock")
def check_regressor_tracks_its_weights(learner, rng):
    """ResidualRegressor tracks the weights of its dense layers and two residual blocks"""
    cls, block_cls = _model_class(learner), _class(learner, "ResidualBlock")
    model = cls(output_dim=3, n_neurons=6)
    model(_floats(rng, 5, 4))
    blocks = [layer for layer in model.layers if isinstance(layer, block_cls)]
    assert len({id(b) for b in blocks}) == 2, (
        f"The model holds {len(blocks)} ResidualBlock object(s) as attributes; expected two separate ones "
        "created in `__init__`."
    )
    expected_params = (4 * 6 + 6) + 2 * 2 * (6 * 6 + 6) + (6 * 3 + 3)
    count = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    assert len(model.trainable_weights) == 12 and count == expected_params, (
        f"`ResidualRegressor(output_dim=3, n_neurons=6)` on 4 input features tracks {len(model.trainable_weights)} "
        f"trainable weights ({count} numbers); expected 12 weights ({expected_params} numbers): a Dense(6), two blocks "
        "of two Dense(6) each, and a Dense(3)."
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "The last layer decides how many numbers the model predicts per instance.",
    "Use the `output_dim` argument for the units of the output layer.",
    "`self.out = keras.layers.Dense(output_dim)`.",
)
@pytest.mark.needs("ResidualRegressor")
def check_regressor_output_shape(learner, rng):
    """ResidualRegressor(output_dim) predicts output_dim values per instance"""
    cls = _class(learner, "ResidualRegressor")
    x = _floats(rng, 7, 8)
    for output_dim in (1, 3):
        out = cls(output_dim=output_dim, n_neurons=8)(x)
        assert_shape(out, (7, output_dim), what=f"The output of `ResidualRegressor(output_dim={output_dim})` on a batch of 7")


def _dense_layers(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def _forward(x, first, blocks, last, output_activation=None):
    """What the prompt's regressor computes, from its own layers' weights (NumPy, float64)."""
    kernel, bias = (to_numpy(w).astype("float64") for w in first.weights)
    z = np.maximum(x @ kernel + bias, 0.0)
    for block in blocks:
        z = to_numpy(block(z.astype("float32"))).astype("float64")
    kernel, bias = (to_numpy(w).astype("float64") for w in last.weights)
    out = z @ kernel + bias
    return output_activation(out) if output_activation else out


@pytest.mark.points(2)
@pytest.mark.hints(
    "The regressor is Dense(n_neurons, relu), then the two blocks, then a plain Dense(output_dim).",
    "A regressor predicts any real number: its output layer has no activation (a ReLU or sigmoid there cuts off values).",
    "`self.out = keras.layers.Dense(output_dim)`; `call` returns `self.out(self.block2(self.block1(self.hidden1(inputs))))`.",
)
@pytest.mark.needs("ResidualRegressor", "ResidualBlock")
def check_regressor_computes_in_order(learner, rng):
    """ResidualRegressor applies Dense(relu), the two blocks, then a Dense(output_dim) with no activation"""
    cls, block_cls = _model_class(learner), _class(learner, "ResidualBlock")
    model = cls(output_dim=3, n_neurons=6)
    x = _floats(rng, 9, 4)
    model(x)
    dense = _dense_layers(model)
    blocks = [layer for layer in model.layers if isinstance(layer, block_cls)]
    first = [d for d in dense if d.weights and tuple(d.weights[0].shape) == (4, 6)]
    last = [d for d in dense if d.weights and tuple(d.weights[0].shape) == (6, 3)]
    assert len(first) == 1 and len(last) == 1 and len(blocks) == 2, (
        "Not checked: the model should hold, as attributes, one Dense(n_neurons), two ResidualBlocks and one "
        "Dense(output_dim) (see the check about its weights)."
    )
    # A negative output bias makes a ReLU or sigmoid on the output show at once.
    last[0].weights[1].assign(np.full((3,), -2.0, dtype="float32"))
    got = to_numpy(model(x)).astype("float64")
    x64 = x.astype("float64")
    for order in (blocks, blocks[::-1]):
        if np.allclose(got, _forward(x64, first[0], order, last[0]), atol=1e-4, rtol=1e-4):
            return
    for name, activation in (("ReLU", lambda v: np.maximum(v, 0.0)), ("sigmoid", lambda v: 1 / (1 + np.exp(-v))),
                             ("tanh", np.tanh), ("softmax", lambda v: np.exp(v) / np.exp(v).sum(-1, keepdims=True))):
        if np.allclose(got, _forward(x64, first[0], blocks, last[0], activation), atol=1e-4, rtol=1e-4):
            raise AssertionError(
                f"The regressor's output goes through a {name}: its output layer must be a plain "
                "`Dense(output_dim)` with no activation, so that it can predict any real value."
            )
    raise AssertionError(
        "The regressor's output is not Dense(output_dim)(block2(block1(relu-Dense(n_neurons)(inputs)))): check "
        "the order of the layers in `call`, that the first Dense uses a ReLU, and that the output layer has none."
    )


@pytest.mark.points(2)
@pytest.mark.time_limit(30)
@pytest.mark.hints(
    "`compile` and `fit` come with `keras.Model`; the check trains a fresh model for two epochs.",
    "If `fit` fails, call your model once on a small batch and read the error: it is usually a shape problem in `call`.",
    "`model.compile(loss=\"mse\", optimizer=\"adam\")` then `model.fit(X_train, y_train, epochs=2)`.",
)
@pytest.mark.needs("ResidualRegressor")
def check_regressor_trains_with_fit(learner, rng):
    """A ResidualRegressor compiles and its loss goes down with fit"""
    x = _floats(rng, 128, 8)
    y = (x @ _floats(rng, 8, 1)).astype("float32")
    model = _model_class(learner)(output_dim=1, n_neurons=8)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    losses = model.fit(x, y, epochs=3, batch_size=32, verbose=0, shuffle=False).history["loss"]
    assert all(np.isfinite(losses)), f"Training produced non-finite losses: {losses}."
    assert losses[-1] < losses[0], f"The training loss did not go down over 3 epochs: {losses}."


@pytest.mark.points(1)
@pytest.mark.hints(
    "The last part of the cell creates, compiles and trains one model.",
    "Assign it to `model`, call `compile` with a loss and an optimizer, then `fit` on `X_train`, `y_train`.",
    "`model = ResidualRegressor(); model.compile(loss=\"mse\", optimizer=\"adam\"); model.fit(X_train, y_train, epochs=2)`.",
)
@pytest.mark.needs("model", "ResidualRegressor")
def check_cell_trained_a_model(learner):
    """The cell compiled `model`, a ResidualRegressor, with the mse loss and trained it with fit"""
    model = learner["model"]
    cls = learner["ResidualRegressor"]
    assert isinstance(cls, type) and isinstance(model, cls), (
        f"`model` should be a ResidualRegressor; it is a {type(model).__name__}."
    )
    optimizer = getattr(model, "optimizer", None)
    assert optimizer is not None, "`model` was never compiled: call `model.compile(loss=\"mse\", optimizer=...)`."
    assert int(to_numpy(optimizer.iterations)) > 0, "`model` was compiled but not trained: call `model.fit(X_train, y_train, epochs=2)`."
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
    "Saving a subclassed model stores the config of each class; loading needs to find the classes again by name.",
    "Keras finds custom classes by their registered name: decorate both classes, and give each a complete `get_config`.",
    "Put `@keras.saving.register_keras_serializable()` (or `@tf.keras.utils.register_keras_serializable()`) on the "
    "line above `class ResidualBlock` and above `class ResidualRegressor`.",
)
@pytest.mark.needs("ResidualRegressor", "ResidualBlock")
def check_save_and_reload(learner, rng):
    """A trained ResidualRegressor saved to .keras reloads with load_model alone and predicts the same"""
    cls, block_cls = _model_class(learner), _class(learner, "ResidualBlock")
    x = _floats(rng, 16, 5)
    model = cls(output_dim=2, n_neurons=6)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, _floats(rng, 16, 2), epochs=1, verbose=0)
    expected = to_numpy(model(x))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "residual_regressor.keras")
        model.save(path)
        try:
            loaded = keras.models.load_model(path)
        except Exception as exc:
            custom = {cls.__name__: cls, block_cls.__name__: block_cls}
            try:
                keras.models.load_model(path, custom_objects=custom)
            except Exception:
                raise AssertionError(
                    f"The saved model could not be reloaded ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}). "
                    "Check both classes' `get_config` and that `__init__` accepts what it returns."
                ) from None
            raise AssertionError(
                "The saved model reloads only when the classes are passed with `custom_objects=`. The exercise asks "
                "for plain `keras.models.load_model(path)`: register both classes with "
                "`@keras.saving.register_keras_serializable()`."
            ) from None
    assert isinstance(loaded, cls), (
        f"`load_model` returned a {type(loaded).__name__}, not your ResidualRegressor."
    )
    assert_tensors_close(loaded(x), expected, atol=1e-5, what="The reloaded model's predictions")
