"""tfgrade.diagnose: judging and wording of what probes saw, exercised without TensorFlow."""

from __future__ import annotations

import linecache
import os
import subprocess
import sys
import textwrap

from tfgrade.diagnose.cell_errors import explain_cell_error
from tfgrade.diagnose.function_lint import lint_function
from tfgrade.diagnose.retracing import retracing_diagnostic, summarise
from tfgrade.diagnose.tf_ops import tensorflow_op_for
from tfgrade.diagnose.traces import FunctionRecord, TracedFunction
from tfgrade.report import CellError


def test_the_diagnose_package_never_imports_tensorflow():
    code = textwrap.dedent("""\
        import sys
        import tfgrade.diagnose.cell_errors, tfgrade.diagnose.function_lint, tfgrade.diagnose.idioms
        import tfgrade.diagnose.retracing, tfgrade.diagnose.tf_ops, tfgrade.diagnose.traces
        import tfgrade.diagnose.training_log, tfgrade.diagnose.devices
        from tfgrade.diagnose.idioms import scan_source
        scan_source("model.fit_generator(data)\\n")
        print("tensorflow" in sys.modules, "keras" in sys.modules)
    """)
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def _record(traced_calls: list[dict], name: str = "double", traces: int | None = None) -> FunctionRecord:
    record = FunctionRecord(code=None, name=name, qualname=name, is_method=False, line=4)
    record.traced_calls = traced_calls
    record.trace_lines = [9] * len(traced_calls)
    record.calls = len(traced_calls)
    record.traces = len(traced_calls) if traces is None else traces
    return record


def test_python_numbers_that_retrace_are_named_with_their_values():
    group = [_record([{"n": ("python", "int", str(i))} for i in range(1, 7)])]
    found = retracing_diagnostic(summarise(group), group, "warning")
    assert found is not None and found.details["reason"] == "python-scalar"
    assert "`n`" in found.message and "(1, 2, 3, 4, ...)" in found.message and "6 times" in found.message
    assert "tf.constant" in found.fix and found.line == 9 and found.severity == "warning"


def test_a_smaller_last_batch_and_a_training_flag_stay_quiet():
    shapes = [{"x": ("tensor", (32, 4), "float32")}, {"x": ("tensor", (8, 4), "float32")},
              {"x": ("tensor", (32, 4), "float32"), "training": ("python", "bool", "False")}]
    group = [_record(shapes)]
    assert retracing_diagnostic(summarise(group), group, "warning") is None
    four = [_record([{"x": ("tensor", (n, 4), "float32")} for n in (1, 2, 3, 4)])]
    found = retracing_diagnostic(summarise(four), four, "info")
    assert found is not None and found.details["reason"] == "shape" and "input_signature" in found.fix


def test_a_new_function_per_loop_iteration_is_named():
    group = [_record([{"x": ("tensor", (2,), "float32")}]) for _ in range(3)]
    found = retracing_diagnostic(summarise(group), group, "warning")
    assert found is not None and found.details["reason"] == "new-function" and "outside the loop" in found.fix


def _learner_function(source: str, name: str, namespace: dict):
    filename = "<tfcheck-cell-diag-1>"
    padded = "\n" + textwrap.dedent(source)
    linecache.cache[filename] = (len(padded), None, padded.splitlines(True), filename)
    exec(compile(padded, filename, "exec"), namespace)
    fn = namespace[name]
    record = FunctionRecord(code=fn.__code__, name=name, qualname=name, is_method=False, pyfunc=fn,
                            line=fn.__code__.co_firstlineno)
    return record, TracedFunction(name=name, qualname=name, line=record.line, traces=1, calls=3)


def test_numpy_calls_on_one_line_make_one_finding_naming_each_replacing_op():
    import numpy as np

    record, summary = _learner_function("""\
        def standardise(x):
            centred = x - np.mean(x)
            return centred / np.std(x) + np.mean(x)
        """, "standardise", {"np": np})
    found = lint_function(record, summary)
    assert [(d.kind, d.line) for d in found] == [("numpy-in-function", 3), ("numpy-in-function", 4)]
    merged = found[1]
    assert merged.details["calls"] == ["np.std", "np.mean"]
    assert "np.std() and np.mean()" in merged.message
    assert "tf.math.reduce_std in place of np.std" in merged.fix
    assert "tf.reduce_mean in place of np.mean" in merged.fix
    assert "tf.reduce_mean in place of np.mean" in found[0].fix and "np.std" not in found[0].fix


def test_names_are_shown_as_the_learner_spelled_them():
    import numpy
    from numpy import argmax

    record, summary = _learner_function("""\
        def pick(x):
            return numpy.argmax(x) + argmax(x)
        """, "pick", {"numpy": numpy, "argmax": argmax})
    (found,) = lint_function(record, summary)
    assert found.details["calls"] == ["numpy.argmax", "argmax"]
    assert "numpy.argmax() and argmax()" in found.message
    assert "tf.argmax in place of numpy.argmax" in found.fix and "_v2" not in found.fix + found.message


def test_print_and_outside_mutation_are_trace_time_side_effects():
    record, summary = _learner_function("""\
        def step(x):
            print(x)
            seen.append(x)
            return x
        """, "step", {"seen": []})
    found = lint_function(record, summary)
    assert [d.details["effect"] for d in found] == ["print", "mutation"]
    assert "once for 3 calls" in found[0].message and "tf.print" in found[0].fix


def test_the_replacement_table():
    assert tensorflow_op_for("numpy", "np.std") == "tf.math.reduce_std"
    assert tensorflow_op_for("numpy", "np.random.normal") == "tf.random.normal"
    assert tensorflow_op_for("random", "random.random") == "tf.random.uniform"
    assert tensorflow_op_for("numpy", "np.frobnicate") is None


def test_cell_errors_from_graph_building_are_explained_once():
    error = CellError(type="OperatorNotAllowedInGraphError",
                      message="Using a symbolic `tf.Tensor` as a Python `bool` is not allowed.", line=7)
    found = explain_cell_error(error)
    assert found is not None and found.kind == "python-control-flow" and found.line == 7
    assert explain_cell_error(error, [found]) is None
    assert explain_cell_error(CellError(type="ZeroDivisionError", message="division by zero", line=1)) is None


def _devices(**overrides):
    from types import SimpleNamespace

    base = dict(gpus=("GPU:0",), gpu_names=("NVIDIA H100",), peak_gpu_memory=3 << 30, placements=(),
                cpu_fallbacks=(), ran_on_gpu=True, devices_used=("GPU:0",))
    base.update(overrides)
    return SimpleNamespace(**base)


def test_device_findings_name_the_gpu_and_the_work_left_on_the_cpu():
    from types import SimpleNamespace

    from tfgrade.diagnose.devices import device_diagnostics, gpu_requirement_failure

    (used,) = device_diagnostics(_devices())
    assert used.kind == "device"
    assert used.message == "Your cell ran on the GPU (NVIDIA H100) and used at most 3.0 GiB of its memory."
    assert gpu_requirement_failure(_devices()) is None
    step = SimpleNamespace(name="train_step", what="function-output", devices=("CPU:0",))
    stayed = _devices(placements=(step,), cpu_fallbacks=("train_step",))
    found = device_diagnostics(stayed)
    assert [d.kind for d in found] == ["device", "device-fallback"]
    assert found[1].function == "train_step" and "tf.device('/CPU:0')" in found[1].fix
    assert "`train_step` stayed on the CPU" in gpu_requirement_failure(stayed)
    assert device_diagnostics(_devices(gpus=(), gpu_names=())) == []
    assert gpu_requirement_failure(_devices(gpus=())) is None


def test_real_start_up_lines_become_one_info_finding():
    from tfgrade.diagnose.devices import start_up_diagnostic

    assert start_up_diagnostic([]) is None
    found = start_up_diagnostic(["W0000 a real warning", "second line"])
    assert found.kind == "tensorflow-warning" and found.severity == "info"
    assert found.message.endswith("W0000 a real warning")
    assert found.details["text"] == "W0000 a real warning\nsecond line"
