"""Checks for q09: functions that follow the rules of tf.function."""

import builtins
import contextlib
import io
import os
import re
import sys
import tempfile

import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import assert_tensors_close, graph_mode, to_numpy


@contextlib.contextmanager
def counting_python_prints():
    """Count calls of Python's print (a learner's module-level `print` resolves to builtins.print)."""
    calls = []
    original = builtins.print
    builtins.print = lambda *args, **kwargs: calls.append(args)
    try:
        yield calls
    finally:
        builtins.print = original


@contextlib.contextmanager
def captured_fd_output():
    """What tf.print wrote: to file descriptors 1 and 2 in a plain process, or to
    sys.stdout / sys.stderr inside a Jupyter kernel (TensorFlow routes it there)."""
    box = {"text": ""}
    python_streams = io.StringIO()
    saved_streams = sys.stdout, sys.stderr
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()
    with tempfile.TemporaryFile(mode="w+b") as sink:
        saved = [os.dup(1), os.dup(2)]
        try:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            sys.stdout = sys.stderr = python_streams
            yield box
        finally:
            sys.stdout, sys.stderr = saved_streams
            for stream in (sys.__stdout__, sys.__stderr__):
                with contextlib.suppress(Exception):
                    stream.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            sink.seek(0)
            box["text"] = sink.read().decode("utf-8", "replace") + python_streams.getvalue()


@contextlib.contextmanager
def counting_variable_creation():
    """Count tf.Variable creations (eager or while tracing) inside the block."""
    created = []

    def creator(next_creator, **kwargs):
        created.append(kwargs.get("name"))
        return next_creator(**kwargs)

    with tf.variable_creator_scope(creator):
        yield created


def error_line(exc):
    """The informative line of an exception (graph errors start with 'in user code:' and a traceback)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if not last.startswith(type(exc).__name__):
        last = f"{type(exc).__name__}: {last}"
    return last[:300].rstrip(".")


def graph_error(name, exc):
    return AssertionError(f"Wrapped in `tf.function`, `{name}` failed with {error_line(exc)}.")


def function(learner, name):
    fn = learner[name]
    assert callable(fn), f"`{name}` should be a function; it is a {type(fn).__name__}."
    return getattr(fn, "python_function", fn)   # the Python function, if the learner decorated it


def standardized(x):
    x = np.asarray(x, dtype=np.float64)
    return (x - x.mean()) / x.std()


def series(x, n):
    x = np.asarray(x, dtype=np.float64)
    return sum((x ** k / k for k in range(1, n + 1)), np.zeros_like(x))


@pytest.mark.points(2)
@pytest.mark.hints(
    "NumPy functions need real numbers; while tracing, `x` is symbolic. TensorFlow has its own reductions.",
    "`np.mean` becomes `tf.reduce_mean`; the standard deviation is in `tf.math`.",
    "`(x - tf.reduce_mean(x)) / tf.math.reduce_std(x)`.",
)
@pytest.mark.needs("standardize")
def check_standardize_as_graph(learner, rng):
    """standardize gives the eager numbers inside tf.function, traced once for inputs of one shape"""
    fn = function(learner, "standardize")
    inputs = [rng.normal(loc=3.0, scale=2.0, size=6).astype("float32") for _ in range(3)]
    assert_tensors_close(fn(tf.constant(inputs[0])), standardized(inputs[0]), atol=1e-4,
                         what="`standardize(x)` run eagerly")
    graph = tf.function(fn)
    with graph_mode():
        for x in inputs:
            try:
                got = graph(tf.constant(x))
            except Exception as exc:
                raise graph_error("standardize", exc) from None
            assert_tensors_close(got, standardized(x), atol=1e-4, what="`standardize(x)` inside tf.function")
    count = graph.experimental_get_tracing_count()
    assert count == 1, f"`standardize` was traced {count} times for three inputs of the same shape; once is enough."


@pytest.mark.points(1)
@pytest.mark.hints(
    "With an input signature of shape [None], the length of `x` is unknown while tracing: `x.shape[0]` is None.",
    "Let TensorFlow count for you: reductions such as `tf.reduce_mean` work whatever the length.",
    "Avoid `len(x)` and `x.shape[...]`: use `tf.reduce_mean(x)` and `tf.math.reduce_std(x)`.",
)
@pytest.mark.needs("standardize")
def check_standardize_any_length(learner, rng):
    """standardize works in one graph for inputs of several lengths"""
    fn = function(learner, "standardize")
    graph = tf.function(fn, input_signature=[tf.TensorSpec([None], tf.float32)])
    with graph_mode():
        for n in (4, 7, 10):
            x = rng.normal(size=n).astype("float32")
            try:
                got = graph(tf.constant(x))
            except Exception as exc:
                raise AssertionError(
                    "Wrapped in `tf.function` for inputs whose length is only known at run time (input signature "
                    f"[None]), `standardize` failed with {error_line(exc)}. Do not use `x.shape` or `len(x)`."
                ) from None
            assert_tensors_close(got, standardized(x), atol=1e-4, what=f"`standardize` of a length-{n} input")


@pytest.mark.points(2)
@pytest.mark.hints(
    "A side effect written in Python happens while tracing, and never again when the graph runs.",
    "TensorFlow has a print operation that becomes part of the graph.",
    "`tf.print(\"total:\", total)` instead of `print(...)`.",
)
@pytest.mark.needs("log_total")
def check_log_total_prints_every_call(learner, rng):
    """log_total prints at every call inside tf.function, and returns the sum"""
    fn = function(learner, "log_total")
    graph = tf.function(fn)
    inputs = [rng.normal(size=4).astype("float32") for _ in range(3)]
    results = []
    with graph_mode(), counting_python_prints() as python_prints, captured_fd_output() as output:
        for x in inputs:
            try:
                results.append(graph(tf.constant(x)))
            except Exception as exc:
                raise graph_error("log_total", exc) from None
    assert not python_prints, (
        f"Inside tf.function, Python's `print` ran {len(python_prints)} time(s) for 3 calls: only while tracing. "
        "Use `tf.print`, which is an operation of the graph and runs at every call."
    )
    printed = [line for line in output["text"].splitlines() if "total" in line.lower()]
    assert len(printed) == 3, (
        f"Over 3 calls of the traced `log_total`, {len(printed)} line(s) mentioning `total` were printed; expected 3, "
        "one per call."
    )
    for x, line in zip(inputs, printed):
        expected = float(np.sum(x, dtype=np.float64))
        numbers = [float(n) for n in re.findall(r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", line.split(":", 1)[-1])]
        assert "total:" in line.lower() and any(abs(n - expected) <= 1e-3 * max(1.0, abs(expected)) for n in numbers), (
            f"`log_total` printed {line.strip()!r}; each line should be `total:` followed by the sum of x "
            f"(here about {expected:.4f}): pass the sum to tf.print too."
        )
    for x, got in zip(inputs, results):
        assert_tensors_close(got, np.sum(x, dtype=np.float64), atol=1e-4, what="The value `log_total` returns")


@pytest.mark.points(2)
@pytest.mark.hints(
    "Inside tf.function a variable may only be created on the first trace; eagerly, a variable created in the function starts from zero at every call.",
    "Create `running_total = tf.Variable(0.0)` once, at the top level of the cell; the function only updates it.",
    "`running_total.assign_add(tf.reduce_sum(x))` then `return running_total.read_value()`.",
)
@pytest.mark.needs("accumulate", "running_total")
def check_accumulate_keeps_one_variable(learner, rng):
    """accumulate adds to the one running_total variable, eagerly and as a graph, creating no variable"""
    fn = function(learner, "accumulate")
    total = learner["running_total"]
    assert isinstance(total, tf.Variable), (
        f"`running_total` should be a tf.Variable created once at the top level; it is a {type(total).__name__}."
    )
    inputs = [rng.normal(size=3).astype("float32") for _ in range(4)]
    graph = tf.function(fn)
    for mode in ("eagerly", "inside tf.function"):
        total.assign(0.0)
        expected = 0.0
        with graph_mode(), counting_variable_creation() as created:
            for x in inputs:
                expected += float(np.sum(x, dtype=np.float64))
                try:
                    got = fn(tf.constant(x)) if mode == "eagerly" else graph(tf.constant(x))
                except Exception as exc:
                    raise graph_error("accumulate", exc) from None
                got = float(to_numpy(got))
                assert created == [], (
                    f"`accumulate` created {len(created)} variable(s) when called {mode}. Create `running_total` once, "
                    "outside the function, and only update it inside."
                )
                assert np.isclose(got, expected, atol=1e-4), (
                    f"Called {mode}, `accumulate` returned {got:.5f}; the running total of the sums so far is {expected:.5f}."
                )
        assert np.isclose(float(to_numpy(total)), expected, atol=1e-4), (
            f"After the calls {mode}, `running_total` holds {float(to_numpy(total)):.5f}; expected {expected:.5f}."
        )
    total.assign(0.0)


@pytest.mark.points(2)
@pytest.mark.hints(
    "A loop written over Python numbers is unrolled while tracing; over a tensor, AutoGraph can turn it into a graph loop.",
    "Loop with `for k in tf.range(1, n + 1):`, and cast `k` to `x`'s dtype before using it with `x`.",
    "`result = tf.zeros_like(x)`; `for k in tf.range(1, n + 1): k = tf.cast(k, x.dtype); result += x ** k / k`.",
)
@pytest.mark.needs("power_series")
def check_power_series_as_graph(learner, rng):
    """power_series(x, n) with a tensor n: eager numbers, one trace for several values of n"""
    fn = function(learner, "power_series")
    x = rng.uniform(-0.8, 0.8, size=5).astype("float32")
    assert_tensors_close(fn(tf.constant(x), tf.constant(3)), series(x, 3), atol=1e-4,
                         what="`power_series(x, tf.constant(3))` run eagerly")
    graph = tf.function(fn)
    with graph_mode():
        for n in (2, 3, 6):
            try:
                got = graph(tf.constant(x), tf.constant(n))
            except Exception as exc:
                raise graph_error("power_series", exc) from None
            assert_tensors_close(got, series(x, n), atol=1e-4, what=f"`power_series(x, n)` inside tf.function with n={n}")
    count = graph.experimental_get_tracing_count()
    assert count == 1, (
        f"`power_series` was traced {count} times for n = 2, 3, 6 passed as tensors; a loop over `tf.range(1, n + 1)` "
        "needs a single trace."
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "A traced function keys its graphs on the Python values of its arguments: every new number means a new trace.",
    "Pass `n` as a tensor, so that all five calls share one signature.",
    "`series_values = [fast_series(x_demo, tf.constant(n)) for n in range(1, 6)]`.",
)
@pytest.mark.needs("fast_series", "series_values", "x_demo")
def check_fast_series_traced_once(learner):
    """fast_series computed series_values for n = 1..5 with a single trace"""
    fast = learner["fast_series"]
    assert isinstance(fast, tf.types.experimental.PolymorphicFunction), (
        f"`fast_series` should be `tf.function(power_series)`; it is a {type(fast).__name__}."
    )
    values = learner["series_values"]
    assert isinstance(values, (list, tuple)) and len(values) == 5, (
        "`series_values` should be a list of the 5 results for n = 1, 2, 3, 4, 5."
    )
    x = to_numpy(learner["x_demo"])
    for n, value in enumerate(values, start=1):
        assert_tensors_close(value, series(x, n), atol=1e-4, what=f"`series_values[{n - 1}]` (n={n})")
    count = fast.experimental_get_tracing_count()
    assert count != 0 or not tf.config.functions_run_eagerly(), (
        "`fast_series` was never traced because `tf.config.run_functions_eagerly(True)` is on: turn it off."
    )
    assert count == 1, (
        f"`fast_series` was traced {count} times for the 5 values of n. Each new Python number is a new signature: "
        "pass `tf.constant(n)` so that one trace serves all calls."
    )
