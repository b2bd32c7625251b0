"""Grader-only checks for q02."""

import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import assert_tensors_close, to_numpy


@pytest.mark.points(1)
@pytest.mark.hints(
    "Don't assume a 2-D variable: each coordinate in `indices` has as many numbers as the variable has axes.",
    "Methods that take a whole list of coordinates handle any rank; indexing with idx[0], idx[1] does not.",
    "var.scatter_nd_update(indices, tf.constant(values, dtype=var.dtype)) works for every rank and dtype.",
)
@pytest.mark.needs("set_entries")
def check_set_entries_any_rank(learner, rng):
    """set_entries works for a 3-D integer variable too"""
    start = rng.integers(0, 10, size=(2, 3, 4)).astype(np.int32)
    indices = [[0, 2, 3], [1, 0, 1]]
    values = [100, 200]
    expected = start.copy()
    expected[0, 2, 3], expected[1, 0, 1] = 100, 200
    var = tf.Variable(start)
    learner["set_entries"](var, indices, values)
    assert not np.array_equal(to_numpy(var), start), (
        "`set_entries` left a 3-D int32 variable unchanged: it has to write into the variable it is given."
    )
    assert_tensors_close(to_numpy(var), expected, what="A 3-D int32 variable after `set_entries`")
    assert var.dtype == tf.int32, f"The variable's dtype changed to {var.dtype.name}."
