"""The optimizers probe: who updated which variables, how many steps, restored exactly."""

from __future__ import annotations

import numpy as np
import pytest

import keras
import tensorflow as tf

from tfgrade.probes import ProbeContext, ProbeSession  # noqa: E402
from tfgrade.probes.optimizers import OptimizersProbe  # noqa: E402
from keras.src.optimizers.base_optimizer import BaseOptimizer  # noqa: E402


def _probe() -> OptimizersProbe:
    return OptimizersProbe(ProbeContext(namespace={}))


def _two_part_model():
    keras.utils.set_random_seed(0)
    lower = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu")], name="lower")
    upper = keras.Sequential([keras.layers.Dense(3)], name="upper")
    return lower, upper, keras.Sequential([lower, upper])


def _batch():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 4)).astype("float32"), rng.integers(0, 3, size=16)


def _loss(model, X, y):
    return keras.losses.sparse_categorical_crossentropy(y, model(X), from_logits=True)


def test_two_optimizers_on_two_layer_groups():
    lower, upper, model = _two_part_model()
    X, y = _batch()
    probe = _probe()
    with probe:
        sgd, adam = keras.optimizers.SGD(learning_rate=0.1), keras.optimizers.Adam(learning_rate=0.003)
        for _ in range(5):
            with tf.GradientTape(persistent=True) as tape:
                loss = tf.reduce_mean(_loss(model, X, y))
            for part, opt in ((lower, sgd), (upper, adam)):
                grads = tape.gradient(loss, part.trainable_variables)
                opt.apply_gradients(zip(grads, part.trainable_variables))   # an iterator, read once
    seen = probe.observation()
    assert [(o.class_name, o.learning_rate, o.steps, o.calls) for o in seen.updaters] == [
        ("SGD", pytest.approx(0.1), 5, 5), ("Adam", pytest.approx(0.003), 5, 5),
    ]
    first, second = seen.updaters
    assert first.variable_ids == {id(v) for v in lower.trainable_variables}
    assert second.variable_ids == {id(v) for v in upper.trainable_variables}
    assert first.changed_ids == first.variable_ids and second.changed_ids == second.variable_ids
    # one layer each, under its own group (Keras prefixes the outer model when it built the group)
    assert len(first.layers) == 1 and first.layers[0].endswith(f"lower/{lower.layers[0].name}")
    assert len(second.layers) == 1 and second.layers[0].endswith(f"upper/{upper.layers[0].name}")
    assert seen.owner_of(upper.trainable_variables[0]) == (second,)
    assert second.optimizer is adam


@pytest.mark.parametrize("driver", ["fit", "train_on_batch"])
def test_steps_that_keras_training_drove_are_marked_with_its_method_and_a_loop_of_ones_own_is_not(driver):
    lower, upper, model = _two_part_model()
    X, y = _batch()
    probe = _probe()
    with probe:
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        if driver == "fit":
            model.fit(X, y, epochs=2, batch_size=8, verbose=0)
        else:
            model.train_on_batch(X, y)
        own = keras.optimizers.Adam(learning_rate=0.003)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(_loss(model, X, y))
        own.apply_gradients(zip(tape.gradient(loss, upper.trainable_variables), upper.trainable_variables))
    by_class = {o.class_name: o.driven_by for o in probe.observation().updaters}
    assert by_class == {"SGD": driver, "Adam": ""}


def test_steps_counted_inside_tf_function():
    lower, upper, model = _two_part_model()
    X, y = _batch()
    opt = keras.optimizers.SGD(learning_rate=0.05)

    @tf.function
    def train_step(X, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(_loss(model, X, y))
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))

    probe = _probe()
    with probe:
        for _ in range(7):
            train_step(X, y)
    (record,) = probe.observation().updaters
    assert record.steps == 7
    assert 1 <= record.calls < 7 and record.traced_calls == record.calls   # Python ran only while tracing
    assert record.changed_ids == {id(v) for v in model.trainable_variables}


def test_variables_without_gradient_are_not_counted_and_unchanged_ones_are_flagged():
    lower, upper, model = _two_part_model()
    X, y = _batch()
    probe = _probe()
    with probe:
        frozen = keras.optimizers.SGD(learning_rate=0.0)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(_loss(upper, lower(X), y))
        grads = tape.gradient(loss, upper.trainable_variables)
        frozen.apply_gradients([(grads[0], upper.trainable_variables[0]), (None, upper.trainable_variables[1])])
    (record,) = probe.observation().optimizers
    assert record.variable_ids == {id(upper.trainable_variables[0])}
    assert [v.changed for v in record.variables] == [False]   # learning rate 0: nothing moved


def test_multi_optimizer_wrapper_is_not_an_updater():
    lower, upper, model = _two_part_model()
    X, y = _batch()
    sgd, adam = keras.optimizers.SGD(0.1), keras.optimizers.Adam(0.01)
    upper_ids = {id(v) for v in upper.trainable_variables}
    multi = keras.optimizers.MultiOptimizer(lambda v: adam if id(v) in upper_ids else sgd)
    probe = _probe()
    with probe:
        for _ in range(2):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(_loss(model, X, y))
            multi.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    seen = probe.observation()
    wrapper = [o for o in seen if o.delegates]
    assert [o.class_name for o in wrapper] == ["MultiOptimizer"]
    assert {o.class_name for o in seen.updaters} == {"SGD", "Adam"}
    assert next(o for o in seen.updaters if o.class_name == "Adam").variable_ids == upper_ids


def test_patches_restored_exactly_even_on_error():
    originals = {cls: cls.__dict__.get("apply") for cls in (BaseOptimizer, keras.optimizers.MultiOptimizer)}
    probe = _probe()
    with pytest.raises(RuntimeError):
        with probe:
            assert BaseOptimizer.__dict__["apply"] is not originals[BaseOptimizer]
            raise RuntimeError("learner code failed")
    assert {cls: cls.__dict__.get("apply") for cls in originals} == originals
    assert probe.observation().optimizers == ()


def test_registered_as_the_optimizers_probe():
    session = ProbeSession(["optimizers"], ProbeContext(namespace={}))
    lower, upper, model = _two_part_model()
    X, y = _batch()
    with session:
        opt = keras.optimizers.Nadam(0.01)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(_loss(model, X, y))
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    observations = session.observations()
    assert [o.class_name for o in observations.optimizers.updaters] == ["Nadam"]
