"""After any run of the probes, interrupted or not, TensorFlow, Keras, tqdm, logging and the
process's streams are exactly as before: same objects, no hook, no listener left."""

from __future__ import annotations

import logging
import os
import signal
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import tensorflow as tf  # noqa: E402 - required dependencies: fail loudly if broken
import tqdm.std  # noqa: E402
from keras.src.utils.progbar import Progbar  # noqa: E402
from tensorflow.python.eager.polymorphic_function import polymorphic_function as pf  # noqa: E402

from tfgrade.config import Settings  # noqa: E402
from tfgrade.engine import run_and_grade  # noqa: E402
from tfgrade.probes import PROBE_MODULES, ProbeContext, ProbeSession, _call_hook, _capture  # noqa: E402
from tfgrade.probes.optimizers import _optimizer_classes  # noqa: E402
from tfgrade.spec import load_exercise  # noqa: E402

ALL = tuple(PROBE_MODULES)

CELL = """\
import tensorflow as tf
import keras
from tqdm.auto import tqdm

@tf.function
def step(x):
    return x * 2

model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
optimizer = keras.optimizers.Adam()
for i in tqdm(range(3)):
    step(tf.constant(float(i)))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(tf.ones([1, 2])))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    keras.utils.Progbar(3, verbose=0).update(i + 1)
    tf.get_logger().warning("a tensorflow log line")
"""


def _fd(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def global_state() -> dict[str, Any]:
    """Every object a probe replaces or adds to, by identity."""
    cls = type(tf.function(lambda: None))
    return {
        "Function.__call__": cls.__dict__["__call__"],
        "tqdm": dict(vars(tqdm.std.tqdm)),
        "Progbar": dict(vars(Progbar)),
        "optimizers": {(c, m): c.__dict__.get(m) for c, m in _optimizer_classes()},
        "retracing detectors": id(pf._frequent_tracing_detector_manager._detectors),
        "loggers": {name: (tuple(logging.getLogger(name).handlers), tuple(logging.getLogger(name).filters))
                    for name in ("tensorflow", "absl")},
        "streams": (sys.stdout, sys.stderr),
        "fds": (_fd(1), _fd(2)),
        "hook": (_call_hook.hook_installed(), _call_hook.listener_count()),
        "SIGINT": signal.getsignal(signal.SIGINT),
    }


def assert_same(before: dict[str, Any], after: dict[str, Any]) -> None:
    for key in before:
        assert after[key] == before[key], f"{key} was left changed"
    assert after["hook"] == (False, 0)


def test_everything_is_put_back_after_a_cell():
    before = global_state()
    namespace: dict = {}
    with ProbeSession(ALL, ProbeContext(namespace=namespace, echo_output=False)) as session:
        exec(compile(CELL, "<tfcheck-cell-r-1>", "exec"), namespace)
        assert _call_hook.hook_installed() and _call_hook.listener_count() == 2   # tracing + devices
    assert_same(before, global_state())
    seen = session.observations()
    assert seen.tracing.calls_of("step") == 3 and len(seen.optimizers.updaters) == 1
    assert any(s.event == "progbar" for s in seen.output.tqdm)


def test_everything_is_put_back_after_a_keyboard_interrupt_mid_cell():
    before = global_state()
    namespace: dict = {}
    interrupted = CELL.replace('    tf.get_logger().warning("a tensorflow log line")\n',
                               '    if i == 1:\n        os.kill(os.getpid(), signal.SIGINT)\n')
    namespace.update(os=os, signal=signal)
    with pytest.raises(KeyboardInterrupt):
        with ProbeSession(ALL, ProbeContext(namespace=namespace, echo_output=False)):
            exec(compile(interrupted, "<tfcheck-cell-r-2>", "exec"), namespace)
    assert_same(before, global_state())


@pytest.mark.parametrize("moment", ["fd swap on entry", "fd swap on exit"])
def test_an_interrupt_inside_the_capture_set_up_or_tear_down_still_restores(monkeypatch, moment):
    before = global_state()
    real_start, real_flush = _capture.FdCapture._start, _capture.flush_c_stdio

    def start_interrupted(self: Any) -> bool:
        os.kill(os.getpid(), signal.SIGINT)          # lands in the middle of the swap
        return real_start(self)

    def flush_interrupted() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        real_flush()

    if moment == "fd swap on entry":
        monkeypatch.setattr(_capture.FdCapture, "_start", start_interrupted)
    else:
        monkeypatch.setattr(_capture, "flush_c_stdio", flush_interrupted)
    with pytest.raises(KeyboardInterrupt):
        with ProbeSession(ALL, ProbeContext(namespace={}, echo_output=False)):
            print("inside")
    monkeypatch.undo()
    assert_same(before, global_state())


def _exercise(folder: Path) -> Any:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exercise.toml").write_text(
        'id = "ex-restore"\nshort_id = "restore"\ntitle = "Restore"\norder = 1\nsummary = "restore"\n'
        "seed_cell = false\n", encoding="utf-8")
    (folder / "solution.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "checks.py").write_text(textwrap.dedent("""\
        import tensorflow as tf

        def check_step_doubles(learner):
            '''step doubles'''
            assert float(learner["step"](tf.constant(2.0))) == 4.0
    """), encoding="utf-8")
    return load_exercise(folder)


def test_no_hook_or_listener_is_left_after_many_gradings(tmp_path):
    # The structural fact behind "a plain tf.function call costs the same after 50 graded cells
    # as after one" (the timing itself: benchmarks/call_overhead.py).
    exercise = _exercise(tmp_path / "ex-restore")
    before = global_state()
    namespace: dict = {}
    for _ in range(6):
        report = run_and_grade(exercise, CELL, namespace, settings=Settings(probes=ALL), echo_output=False)
        assert report.score == report.max_score == 1
        assert_same(before, global_state())
