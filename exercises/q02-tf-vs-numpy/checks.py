"""Checks for q02: a tf.Variable changed in place, a transposed copy, TensorFlow's reduction names."""

import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import assert_tensors_close, describe_value, to_numpy



def _random_update(rng, shape, count):
    """A variable's starting values, `count` distinct coordinates and new values for them."""
    start = rng.normal(size=shape).astype(np.float32)
    flat = rng.choice(int(np.prod(shape)), size=count, replace=False)
    indices = [list(map(int, np.unravel_index(i, shape))) for i in flat]
    values = [float(v) for v in rng.uniform(10.0, 20.0, size=count).astype(np.float32)]
    expected = start.copy()
    for index, value in zip(indices, values):
        expected[tuple(index)] = value
    return start, indices, values, expected


def _call_set_entries(set_entries, var, indices, values):
    try:
        return set_entries(var, indices, values)
    except TypeError as exc:
        if "does not support item assignment" in str(exc):
            raise AssertionError(
                "`set_entries` tried `var[...] = value`. Neither tensors nor variables support "
                "item assignment; a tf.Variable is changed through its methods."
            ) from None
        raise


@pytest.mark.points(2)
@pytest.mark.hints(
    "Start from the coordinates: each entry of `indices` is one position, and the value with the same position in `values` goes there.",
    "tf.tensor_scatter_nd_update(tensor, indices, values) computes the updated values, but as a new tensor; a variable can also do this to itself.",
    "A tf.Variable has a scatter_nd_update(indices, updates) method (and assign); cast the new values to var.dtype.",
)
@pytest.mark.needs("set_entries")
def check_set_entries_values(learner, rng):
    """set_entries writes the right values at the right positions"""
    set_entries = learner["set_entries"]
    start, indices, values, expected = _random_update(rng, (4, 5), 3)
    var = tf.Variable(start)
    returned = _call_set_entries(set_entries, var, indices, values)
    now = to_numpy(var)
    if np.array_equal(now, start) and returned is not None and hasattr(returned, "shape"):
        now = to_numpy(returned)   # judged on what was returned; `set_entries_in_place` judges the rest
    assert now.shape == expected.shape, f"After `set_entries` the values have shape {now.shape}; expected {expected.shape}, the variable's own shape."
    assert not np.allclose(now, start), (
        "After `set_entries(var, indices, values)` the variable holds its old values, and nothing with new values "
        "was returned: nothing was written."
    )
    changed = ~np.isclose(now, start)
    should_change = ~np.isclose(expected, start)
    assert not (changed & ~should_change).any(), (
        "`set_entries` also changed positions that were not in `indices`: "
        f"{[tuple(map(int, i)) for i in np.argwhere(changed & ~should_change)[:3]]}."
    )
    assert_tensors_close(now, expected, what="The variable's values after `set_entries`")


@pytest.mark.points(2)
@pytest.mark.hints(
    "Tensors are immutable: any tf function that 'updates' a tensor hands back a new one. Only a tf.Variable can be changed, through its own methods.",
    "Writing `var = tf.Variable(...)` inside the function only rebinds your local name; the caller's variable stays as it was.",
    "Call a method on `var` itself: var.scatter_nd_update(indices, values), var.assign(...), or var[i, j].assign(value).",
)
@pytest.mark.needs("set_entries")
def check_set_entries_in_place(learner, rng):
    """set_entries changes the caller's variable itself (no new variable, no new tensor)"""
    set_entries = learner["set_entries"]
    start, indices, values, expected = _random_update(rng, (3, 4), 2)
    var = tf.Variable(start)
    caller_sees = var
    returned = _call_set_entries(set_entries, var, indices, values)
    if returned is not None and returned is not var:
        if isinstance(returned, tf.Variable):
            raise AssertionError(
                "`set_entries` returned a new tf.Variable instead of changing the one it was given: "
                "the caller's variable is not changed. Update `var` itself and return nothing (or `var`)."
            )
        if tf.is_tensor(returned) or isinstance(returned, np.ndarray):
            changed = not np.allclose(to_numpy(caller_sees), start)
            if not changed:
                raise AssertionError(
                    f"`set_entries` returned a new {'tf.Tensor' if tf.is_tensor(returned) else 'NumPy array'} with the updated values, but the "
                    "variable itself did not change. Tensors are immutable; a tf.Variable must be updated through "
                    "its own methods."
                )
    assert not np.allclose(to_numpy(caller_sees), start), (
        "After `set_entries(var, ...)` the caller's variable still holds its old values: nothing was written "
        "into it."
    )
    assert_tensors_close(caller_sees, expected, what="The caller's variable after `set_entries`")


def _transpose(learner, rng, shape=(3, 5)):
    x = rng.normal(size=shape)
    return x, learner["transpose_copy"](x)


@pytest.mark.points(1)
@pytest.mark.hints(
    "NumPy's `.T` (and np.transpose) give a NumPy array; the exercise wants a TensorFlow tensor.",
    "TensorFlow has its own transpose function, which accepts a NumPy array and returns a tf.Tensor.",
    "return tf.transpose(x)",
)
@pytest.mark.needs("transpose_copy")
def check_transpose_is_tensor(learner, rng):
    """transpose_copy returns a tf.Tensor"""
    _, result = _transpose(learner, rng)
    assert result is not None, "`transpose_copy` returned None: add a `return`."
    if isinstance(result, np.ndarray):
        raise AssertionError(
            "`transpose_copy` returned a NumPy array. NumPy's `.T` and np.transpose give a *view* of the same "
            "memory; return a tf.Tensor instead."
        )
    assert not isinstance(result, tf.Variable), "`transpose_copy` returned a tf.Variable; a plain tf.Tensor is asked for."
    assert isinstance(result, tf.Tensor), f"`transpose_copy` returned {describe_value(result)}; expected a tf.Tensor."


@pytest.mark.points(1)
@pytest.mark.hints(
    "The result of transposing a 3x5 array has shape 5x3, and its element [j, i] is x[i, j].",
    "Reshaping to the swapped shape is not the same as transposing: it keeps the elements in their old order.",
    "tf.transpose(x) swaps the axes of a 2-D input.",
)
@pytest.mark.needs("transpose_copy")
def check_transpose_values(learner, rng):
    """transpose_copy returns the transpose"""
    x, result = _transpose(learner, rng)
    assert result is not None, "`transpose_copy` returned None: add a `return`."
    got = to_numpy(result)
    assert got.shape == x.T.shape, f"For an input of shape {x.shape}, `transpose_copy` returned shape {got.shape}; expected {x.T.shape}."
    assert_tensors_close(got, x.T, what="`transpose_copy(x)`")


@pytest.mark.points(1)
@pytest.mark.hints(
    "A NumPy view shares memory with the array it came from: change the original, and the view changes too.",
    "TensorFlow's transpose writes the values into a new tensor; that is exactly what a copy means here.",
    "Build the result with tf.transpose(x) rather than from x.T or np.transpose(x).",
)
@pytest.mark.needs("transpose_copy")
def check_transpose_is_copy(learner, rng):
    """transpose_copy's result is a copy: changing the input later does not change it"""
    x, result = _transpose(learner, rng)
    assert result is not None, "`transpose_copy` returned None: add a `return`."
    before = to_numpy(result).copy()
    x[0, 1] = 1000.0
    x[2, 4] = -1000.0
    after = to_numpy(result)
    assert np.allclose(before, after), (
        "After `transpose_copy(x)` returned, changing `x` also changed the result: it is a view of `x`, "
        "not a copy (that is what NumPy's `.T` gives)."
    )


_EXPECTED = {"sum": ("np.sum", tf.reduce_sum), "mean": ("np.mean", tf.reduce_mean), "max": ("np.max", tf.reduce_max)}


def _describe(value):
    module = getattr(value, "__module__", "") or ""
    name = getattr(value, "__name__", type(value).__name__)
    return f"{module.split('.')[0]}.{name}" if module else name


@pytest.mark.points(2)
@pytest.mark.hints(
    "TensorFlow calls these operations 'reductions': they reduce a tensor along some axes.",
    "The names start with `reduce_` and live directly in `tf` (and in `tf.math`).",
    "{'sum': tf.reduce_sum, 'mean': tf.reduce_mean, 'max': tf.reduce_max}, with no quotes and no parentheses around the functions.",
)
@pytest.mark.needs("reductions")
def check_reductions(learner):
    """`reductions` holds TensorFlow's reduction functions for np.sum, np.mean and np.max"""
    reductions = learner["reductions"]
    assert isinstance(reductions, dict), f"`reductions` should be a dict, but it is {describe_value(reductions)}."
    missing = [k for k in _EXPECTED if k not in reductions]
    assert not missing, f"`reductions` has no entry for {missing}; it needs the keys 'sum', 'mean' and 'max'."
    for key, (numpy_name, expected) in _EXPECTED.items():
        got = reductions[key]
        if got is expected:
            continue
        if got is Ellipsis:
            raise AssertionError(f"reductions[{key!r}] is {describe_value(got)}: put the TensorFlow function there.")
        if isinstance(got, str):
            raise AssertionError(f"reductions[{key!r}] is the string {got!r}; put the function object itself (no quotes).")
        if tf.is_tensor(got) or isinstance(got, (np.ndarray, np.generic, int, float)):
            raise AssertionError(f"reductions[{key!r}] is a value, not a function: it looks like you called the function. Leave out the parentheses.")
        if getattr(got, "__module__", "").startswith("numpy"):
            raise AssertionError(f"reductions[{key!r}] is NumPy's own {numpy_name}; the TensorFlow function has another name.")
        raise AssertionError(
            f"reductions[{key!r}] is {_describe(got)}, which is not the TensorFlow function that reduces a tensor "
            f"the way {numpy_name} reduces an array."
        )
