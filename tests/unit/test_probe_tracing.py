"""Tracing probe: held-out style cells run through run_and_grade, asserting on the Report JSON."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path
from typing import Any

import pytest

import tensorflow as tf

from tfgrade.config import Settings  # noqa: E402
from tfgrade.engine import run_and_grade  # noqa: E402
from tfgrade.probes import ProbeContext, ProbeSession  # noqa: E402
from tfgrade.probes.tracing import TracingObservation, watch_tracing  # noqa: E402
from tfgrade.spec import load_exercise  # noqa: E402

PROBES = Settings(probes=("output", "tracing", "devices"))


def make_exercise(folder: Path, checks: str = "") -> Any:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exercise.toml").write_text(
        'id = "ex-probe"\nshort_id = "probe"\ntitle = "Probe test"\norder = 1\nsummary = "probe test"\n'
        "seed_cell = false\n",
        encoding="utf-8",
    )
    (folder / "solution.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "checks.py").write_text(
        checks or "def check_nothing():\n    '''Nothing to check'''\n    assert True\n", encoding="utf-8"
    )
    return load_exercise(folder)


@pytest.fixture
def grade_cell(tmp_path: Path):
    def run(source: str, checks: str = "", namespace: dict | None = None) -> dict:
        exercise = make_exercise(tmp_path / "ex-probe", checks)
        ns = {} if namespace is None else namespace
        report = run_and_grade(exercise, textwrap.dedent(source), ns, settings=PROBES, echo_output=False)
        return report.to_dict()

    yield run
    tf.config.run_functions_eagerly(False)


def diags(report: dict, kind: str | None = None, source: str | None = "cell") -> list[dict]:
    return [d for d in report["diagnostics"]
            if (kind is None or d["kind"] == kind) and (source is None or d["source"] == source)]


def tracing_kinds(report: dict) -> list[str]:
    mine = {"retracing", "trace-side-effect", "variable-in-function", "numpy-in-function",
            "functions-run-eagerly", "tensorflow-warning", "keras2-idiom", "run-eagerly", "py-function",
            "device", "device-fallback"}
    return [d["kind"] for d in report["diagnostics"] if d["kind"] in mine]


def test_python_ints_retrace_with_reason(grade_cell):
    report = grade_cell("""
        import tensorflow as tf

        @tf.function
        def double(n):
            return n * 2

        for i in range(1, 7):
            double(i)
    """)
    found = diags(report, "retracing")
    assert len(found) == 1
    d = found[0]
    assert d["severity"] == "warning"
    assert d["function"] == "double"
    assert d["details"]["reason"] == "python-scalar"
    assert d["details"]["traces"] == 6 and d["details"]["calls"] == 6
    assert "`n`" in d["message"] and "6 times" in d["message"]
    assert "tf.constant" in d["fix"]
    # the line of the learner's call that retraced (%%tfcheck is line 1, the dedent adds a blank line 2)
    assert d["line"] == 10
    # TensorFlow's own warning is attached, without the memory address, and not a separate item
    warned = d["details"]["tensorflow_warnings"]
    assert len(warned) >= 1
    assert all("triggered tf.function retracing" in w and "double" in w and " at 0x" not in w for w in warned)
    assert not diags(report, "tensorflow-warning")


def test_print_inside_function_is_a_trace_time_side_effect(grade_cell):
    report = grade_cell("""
        import tensorflow as tf

        @tf.function
        def shout(x):
            print("value", x)
            return x + 1

        for i in range(4):
            shout(tf.constant(float(i)))
    """)
    found = diags(report, "trace-side-effect")
    assert [d["details"]["effect"] for d in found] == ["print"]
    assert found[0]["function"] == "shout"
    assert found[0]["line"] == 7
    assert "tf.print" in found[0]["fix"]
    assert "once for 4 calls" in found[0]["message"]
    assert not diags(report, "retracing")


def test_list_append_and_global_mutation_are_reported(grade_cell):
    report = grade_cell("""
        import tensorflow as tf
        history = []
        counter = 0

        @tf.function
        def step(x):
            global counter
            counter += 1
            history.append(x)
            local = []
            local.append(x)
            return x * 2

        for i in range(3):
            step(tf.constant(1.0))
    """)
    effects = {(d["details"]["effect"], d["details"]["target"]) for d in diags(report, "trace-side-effect")}
    assert effects == {("global", "counter"), ("mutation", "history")}


def test_variable_created_per_call(grade_cell):
    report = grade_cell("""
        import tensorflow as tf

        @tf.function
        def add_bias(x):
            bias = tf.Variable(1.0)
            return x + bias

        add_bias(tf.constant(1.0))
    """)
    found = diags(report, "variable-in-function")
    assert len(found) == 1
    assert found[0]["function"] == "add_bias" and found[0]["line"] == 7
    assert found[0]["details"]["failed"] is True
    assert "outside" in found[0]["fix"]
    assert report["cell_error"] is not None     # TensorFlow refuses it; the probe explains why


def test_variable_created_once_behind_a_guard_is_quiet(grade_cell):
    report = grade_cell("""
        import tensorflow as tf

        class Counter(tf.Module):
            def __init__(self):
                self.v = None

            @tf.function
            def __call__(self, x):
                if self.v is None:
                    self.v = tf.Variable(0.0)
                self.v.assign_add(x)
                return self.v.read_value()

        c = Counter()
        for i in range(3):
            c(tf.constant(1.0))
    """)
    assert report["cell_error"] is None
    assert tracing_kinds(report) == []


def test_numpy_call_inside_function(grade_cell):
    report = grade_cell("""
        import numpy as np
        import tensorflow as tf

        @tf.function
        def noisy(x):
            return x + np.random.normal() + np.float32(1.0)

        for i in range(3):
            noisy(tf.constant(1.0))
    """)
    found = diags(report, "numpy-in-function")
    assert [d["details"]["call"] for d in found] == ["np.random.normal"]   # np.float32 is a dtype: fine
    assert found[0]["function"] == "noisy" and found[0]["line"] == 8
    assert "tf.random.normal" in found[0]["fix"]


def test_clean_train_step_is_quiet(grade_cell):
    # traces twice on its first call (Adam creates its slots lazily) and once for the last batch
    report = grade_cell("""
        import tensorflow as tf
        import keras

        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        optimizer = keras.optimizers.Adam()

        @tf.function
        def train_step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((model(x) - y) ** 2)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        for i in range(4):
            loss = train_step(tf.zeros([8, 4]), tf.zeros([8, 2]))
        loss = train_step(tf.zeros([3, 4]), tf.zeros([3, 2]))
    """)
    assert report["cell_error"] is None
    assert tracing_kinds(report) == []
    assert not [d for d in report["diagnostics"] if d["severity"] == "warning"]


def test_training_flag_and_last_batch_stay_quiet(grade_cell):
    report = grade_cell("""
        import tensorflow as tf

        @tf.function
        def forward(x, training):
            return x * 2 if training else x

        for training in (True, False):
            forward(tf.zeros([8, 2]), training)
        forward(tf.zeros([3, 2]), True)
    """)
    assert diags(report, "retracing") == []


def test_changing_shapes_retrace(grade_cell):
    report = grade_cell("""
        import tensorflow as tf

        @tf.function
        def total(x):
            return tf.reduce_sum(x)

        for n in range(1, 6):
            total(tf.ones([n, 3]))
    """)
    (d,) = diags(report, "retracing")
    assert d["details"]["reason"] == "shape"
    assert "input_signature" in d["fix"]


def test_changing_dtypes_retrace(grade_cell):
    report = grade_cell("""
        import tensorflow as tf

        @tf.function
        def total(x):
            return tf.reduce_sum(x)

        for dtype in (tf.float16, tf.float32, tf.float64, tf.int32):
            total(tf.ones([2], dtype=dtype))
    """)
    (d,) = diags(report, "retracing")
    assert d["details"]["reason"] == "dtype"


def test_new_function_per_loop_iteration(grade_cell):
    report = grade_cell("""
        import tensorflow as tf

        for i in range(5):
            @tf.function
            def inner(x):
                return x * 2
            inner(tf.constant(1.0))
    """)
    (d,) = diags(report, "retracing")
    assert d["details"]["reason"] == "new-function"
    assert d["function"] == "inner" and d["line"] == 6
    assert "outside the loop" in d["fix"]


def test_methods_on_several_instances_are_not_a_loop(grade_cell):
    report = grade_cell("""
        import tensorflow as tf

        class Scale(tf.Module):
            @tf.function
            def apply(self, x):
                return x * 3

        for i in range(4):
            Scale().apply(tf.constant(1.0))
    """)
    assert diags(report, "retracing") == []


def test_run_functions_eagerly_is_reported(grade_cell):
    report = grade_cell("""
        import tensorflow as tf
        tf.config.run_functions_eagerly(True)

        @tf.function
        def ident(x):
            return x

        ident(tf.constant(1.0))
    """)
    found = [d for d in report["diagnostics"] if d["kind"] == "functions-run-eagerly"]
    assert len(found) == 1      # once, although the checks ran with it still on
    assert "run_functions_eagerly(False)" in found[0]["fix"]
    assert report["environment"]["functions_run_eagerly"] is True


def test_same_cell_gives_same_diagnostics(grade_cell):
    cell = """
        import numpy as np
        import tensorflow as tf

        @tf.function
        def f(x, k):
            print(k)
            return x * np.mean([1.0, 2.0])

        for k in range(5):
            f(tf.constant(1.0), k)
    """
    first = grade_cell(cell)["diagnostics"]
    second = grade_cell(cell)["diagnostics"]
    assert first == second
    assert {d["kind"] for d in first} >= {"retracing", "trace-side-effect", "numpy-in-function"}


def test_retracing_caused_by_checks_is_info_and_static_findings_are_not_repeated(grade_cell):
    checks = textwrap.dedent("""
        import tensorflow as tf

        def check_calls_again(learner):
            '''Calls the function with Python numbers'''
            for i in range(10, 15):
                learner["shout"](i)
    """)
    report = grade_cell("""
        import tensorflow as tf

        @tf.function
        def shout(x):
            print(x)
            return x
        shout(tf.constant(1.0))
    """, checks=checks)
    assert report["checks"][0]["status"] == "pass"
    assert [d["kind"] for d in diags(report, source="checks") if d["kind"] != "python-warning"] == ["retracing"]
    (retrace,) = diags(report, "retracing", source="checks")
    assert retrace["severity"] == "info" and retrace["details"]["reason"] == "python-scalar"
    assert len(diags(report, "trace-side-effect", source=None)) == 1


def test_probe_restores_everything_and_keeps_results(tmp_path):
    cls = type(tf.function(lambda: None))
    original_call = cls.__dict__["__call__"]
    logger = tf.get_logger()
    filters, handlers = list(logger.filters), list(logger.handlers)
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    keep = Keep()
    logger.addHandler(keep)
    namespace: dict = {}
    try:
        context = ProbeContext(namespace=namespace, source="cell")
        with pytest.raises(ZeroDivisionError):
            with ProbeSession(["tracing", "devices"], context):
                exec(compile("import tensorflow as tf\n@tf.function\ndef sq(n):\n    return n * n\n"
                             "vals = [int(sq(i)) for i in range(1, 7)]\n1 / 0\n", "<tfcheck-cell-t-1>", "exec"),
                     namespace)
    finally:
        logger.removeHandler(keep)
    assert cls.__dict__["__call__"] is original_call
    assert logger.filters == filters and logger.handlers == handlers
    assert namespace["vals"] == [1, 4, 9, 16, 25, 36]
    # TensorFlow's retracing warning was captured, not passed on to the logger's handlers
    assert not [r for r in seen if "retracing" in r.getMessage()]


def test_observation_api_via_session():
    namespace: dict = {}
    context = ProbeContext(namespace=namespace, source="cell")
    with ProbeSession(["tracing"], context) as session:
        exec(compile("import tensorflow as tf\n@tf.function\ndef norm(x):\n    return x / tf.norm(x)\n"
                     "for n in (2, 3, 4):\n    norm(tf.ones([n]))\n", "<tfcheck-cell-t-2>", "exec"), namespace)
    obs = session.observations().tracing
    assert isinstance(obs, TracingObservation)
    assert obs.names == ("norm",)
    assert obs.traces_of("norm") == 3 and obs.calls_of("norm") == 3
    fn = obs.function("norm")
    assert fn is not None and fn.line == 2 and fn.reasons == ("shape",) and fn.retraces == 2
    assert fn.signatures[0] == "(x=tensor [2] float32)"
    assert obs.traces_of("missing") == 0 and obs.function("missing") is None


def test_watch_tracing_for_checks():
    namespace: dict = {}
    exec(compile("import tensorflow as tf\n"
                 "@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])\n"
                 "def good(x):\n    return x * 2\n"
                 "@tf.function\ndef bad(x):\n    return x * 2\n", "<tfcheck-cell-t-3>", "exec"), namespace)
    with watch_tracing() as watched:
        for n in (2, 5, 7):
            namespace["good"](tf.ones([n, 3]))
            namespace["bad"](tf.ones([n, 3]))
    assert watched.traces_of("good") == 1
    assert watched.traces_of("bad") == 3
    assert watched.calls_of("good") == 3


def test_cell_errors_caused_by_graph_building_are_explained():
    from tfgrade.execute import run_cell
    from tfgrade.diagnose.cell_errors import explain_cell_error
    from tfgrade.report import Diagnostic

    outcome = run_cell(textwrap.dedent("""\
        import tensorflow as tf
        import keras

        class Flip(keras.layers.Layer):
            def call(self, x):
                if tf.reduce_mean(x) > 0:
                    return x
                return -x

        model = keras.Sequential([keras.Input((3,)), Flip()])
    """), {})
    found = explain_cell_error(outcome.error)
    assert found is not None and found.kind == "python-control-flow" and found.line == 7
    assert "tf.where" in found.fix and "AutoGraph" in found.message
    already = [Diagnostic(kind="python-control-flow", severity="warning", message="seen")]
    assert explain_cell_error(outcome.error, already) is None
    assert explain_cell_error(None) is None
    assert explain_cell_error(run_cell("1 / 0\n", {}).error) is None


def test_functions_from_earlier_cells_that_this_cell_does_not_use_are_not_reported(grade_cell):
    namespace: dict = {}
    grade_cell("""
        import tensorflow as tf

        @tf.function
        def chatty(x):
            print(x)
            return x
    """, namespace=namespace)
    report = grade_cell("y = 1\n", namespace=namespace)
    assert diags(report, source=None) == [d for d in report["diagnostics"] if d["kind"] == "python-warning"]
    report = grade_cell("chatty(tf.constant(2.0))\n", namespace=namespace)
    assert [d["kind"] for d in diags(report, "trace-side-effect")] == ["trace-side-effect"]


def test_print_in_a_keras_train_step_is_reported(grade_cell):
    report = grade_cell("""
        import keras
        import tensorflow as tf

        class Model(keras.Model):
            def train_step(self, data):
                print("step")
                return super().train_step(data)
    """)
    (d,) = diags(report, "trace-side-effect")
    assert d["function"] == "Model.train_step" and d["line"] == 8


def test_lazy_optimizer_slots_count_as_one_first_call():
    namespace: dict = {}
    source = textwrap.dedent("""\
        import tensorflow as tf
        import keras
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        optimizer = keras.optimizers.Adam()

        @tf.function
        def train_step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((model(x) - y) ** 2)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        for n in (8, 8, 8, 3):
            train_step(tf.zeros([n, 4]), tf.zeros([n, 2]))
    """)
    with ProbeSession(["tracing"], ProbeContext(namespace=namespace, source="cell")) as session:
        exec(compile(source, "<tfcheck-cell-t-4>", "exec"), namespace)
    fn = session.observations().tracing.function("train_step")
    assert (fn.traces, fn.calls, fn.first_call_traces, fn.retraces) == (3, 4, 2, 1)
    assert session.observations().diagnostics == ()
