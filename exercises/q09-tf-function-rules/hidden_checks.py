"""Hidden checks for q09."""

import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import assert_tensors_close


@pytest.mark.points(1)
@pytest.mark.needs("power_series")
def check_power_series_edge_cases(learner, rng):
    """power_series handles n = 0 and 2-D inputs as a graph"""
    fn = learner["power_series"]
    graph = tf.function(getattr(fn, "python_function", fn))
    x = rng.uniform(-0.5, 0.5, size=(2, 3)).astype("float32")
    was_eager = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(False)
    try:
        try:
            zero = graph(tf.constant(x), tf.constant(0))
            four = graph(tf.constant(x), tf.constant(4))
        except Exception as exc:
            raise AssertionError(f"`power_series` failed inside tf.function ({type(exc).__name__}).") from None
    finally:
        tf.config.run_functions_eagerly(was_eager)
    assert_tensors_close(zero, np.zeros_like(x), what="`power_series(x, 0)` (zeros shaped like x)")
    expected = sum(x.astype(np.float64) ** k / k for k in range(1, 5))
    assert_tensors_close(four, expected, atol=1e-4, what="`power_series(x, 4)` on a 2-D x")
