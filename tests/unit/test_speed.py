"""Speed hint: eager vs tf.function timing of a training step, bounded, variables restored."""

from __future__ import annotations

import time

import numpy as np
import pytest

import tensorflow as tf
import keras

from tfgrade.speed import SpeedResult, measure_graph_speedup  # noqa: E402


def make_step():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    optimizer = keras.optimizers.SGD(0.1)

    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x) - y) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return model, optimizer, train_step


def test_measures_both_ways_and_restores_variables():
    model, optimizer, step = make_step()
    x, y = tf.ones([32, 8]), tf.zeros([32, 1])
    step(x, y)                              # build the optimizer before the snapshot
    before = [v.numpy().copy() for v in model.variables]
    result = measure_graph_speedup(step, x, y, steps=3, time_budget=20.0, restore=[model, optimizer])
    assert isinstance(result, SpeedResult)
    assert result.eager_steps == 3 and result.graph_steps == 3
    assert result.eager_seconds > 0 and result.graph_seconds > 0 and result.ratio > 0
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(before, model.variables))
    assert "eagerly" in result.message() and "tf.function" in result.message()
    assert result.to_dict()["ratio"] == round(result.ratio, 3)


def test_a_tf_function_step_is_timed_against_its_python_function_and_budget_is_respected():
    # Behaviour only (timing claims live in benchmarks/): each eager step sleeps 0.05 s, so half
    # of a 0.4 s budget allows at most 5 of them; the graph runs the Python body only to trace.
    calls = {"n": 0}

    def slow(x):
        calls["n"] += 1
        time.sleep(0.05)
        return x * 2

    step = tf.function(slow)
    result = measure_graph_speedup(step, tf.ones([2]), steps=50, time_budget=0.4)
    assert 1 <= result.eager_steps <= 5                     # stopped by the time budget
    assert result.graph_steps == 50 or result.graph_seconds * result.graph_steps >= 0.2
    assert calls["n"] == 1 + result.eager_steps + 1         # warm-up, eager steps, one trace


def test_message_and_fix_follow_the_ratio():
    faster = SpeedResult(eager_seconds=0.05, graph_seconds=0.005, trace_seconds=0.2, eager_steps=3, graph_steps=3)
    assert faster.ratio == pytest.approx(10.0)
    assert "10.0x faster" in faster.message() and "@tf.function" in faster.fix()
    same = SpeedResult(eager_seconds=0.01, graph_seconds=0.01, trace_seconds=0.1, eager_steps=3, graph_steps=3)
    assert "about the same speed" in same.message() and same.fix() == ""
    slower = SpeedResult(eager_seconds=0.001, graph_seconds=0.002, trace_seconds=0.1, eager_steps=3, graph_steps=3)
    assert "not faster" in slower.message() and slower.fix() == ""


def test_run_functions_eagerly_is_restored():
    tf.config.run_functions_eagerly(True)
    try:
        measure_graph_speedup(lambda x: x + 1, tf.ones([2]), steps=1, time_budget=1.0)
        assert tf.config.functions_run_eagerly() is True
    finally:
        tf.config.run_functions_eagerly(False)
