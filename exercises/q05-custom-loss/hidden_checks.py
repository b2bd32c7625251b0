"""Grader-only checks for q05."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest


def _load_support():
    spec = importlib.util.spec_from_file_location("tfgrade_q05_support", Path(__file__).with_name("_support.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


S = _load_support()


@pytest.mark.points(1)
@pytest.mark.hints(
    "Keras averages over the batch and applies sample weights after `call`; if `call` already averages, the weights come too late.",
    "Return the tf.where(...) result as it is, one loss per element, without tf.reduce_mean.",
)
def check_sample_weights(learner, observations, rng):
    """`call` returns one loss per sample, so sample weights are honoured"""
    HuberLoss = S.loss_class(learner, observations)
    loss = S.make(HuberLoss, threshold=1.5)
    y_true, y_pred = S.data(rng, n=40)
    per_element = S.huber(y_true, y_pred, 1.5)
    values = np.asarray(loss.call(y_true, y_pred))
    assert values.size == 40, (
        f"call() returned {values.size} value(s) for a batch of 40 samples; it should return one loss per sample "
        "(Keras does the averaging)."
    )
    weights = rng.uniform(0.0, 3.0, size=(40,)).astype(np.float32)
    expected = float((per_element[:, 0] * weights).sum() / 40)
    got = S.scalar(loss, y_true, y_pred, sample_weight=weights)
    assert math.isclose(got, expected, rel_tol=1e-4, abs_tol=1e-5), (
        f"With sample weights the loss is {got:.5f}; expected the weighted average {expected:.5f}."
    )
