"""The output probe: Python and fd-level output, logging, tqdm bars; everything restored."""

from __future__ import annotations

import logging
import os
import sys

import pytest

from tfgrade.probes import ProbeContext
from tfgrade.probes.output import OutputObservation, OutputProbe, normalise_metric_name


def _probe(echo: bool = True) -> OutputProbe:
    return OutputProbe(ProbeContext(namespace={}, echo_output=echo))


def _fd_identity(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def test_python_and_fd_level_output_recorded_and_echoed(capfd):
    probe = _probe(echo=True)
    with probe:
        print("from print")
        os.write(1, b"from fd 1\n")
        os.write(2, b"from fd 2\n")
    seen = probe.observation()
    assert "from print" in seen.stdout and "from fd 1" in seen.stdout
    assert "from fd 2" in seen.stderr and "from fd 1" not in seen.stderr
    assert seen.stdout.count("from print") == 1   # not recorded twice (tee and fd)
    shown = capfd.readouterr()
    assert "from print" in shown.out and "from fd 1" in shown.out and "from fd 2" in shown.err


def test_nothing_reaches_the_real_streams_without_echo(capfd):
    probe = _probe(echo=False)
    with probe:
        print("quiet print")
        print("quiet warning", file=sys.stderr)
        os.write(2, b"quiet fd 2\n")
    shown = capfd.readouterr()
    assert shown.out == "" and shown.err == ""
    seen = probe.observation()
    assert "quiet print" in seen.stdout
    assert "quiet warning" in seen.stderr and "quiet fd 2" in seen.stderr


def test_streams_and_fds_restored_even_on_error():
    before = (sys.stdout, sys.stderr, _fd_identity(1), _fd_identity(2))
    probe = _probe(echo=False)
    with pytest.raises(ZeroDivisionError):
        with probe:
            assert _fd_identity(1) != before[2]   # really redirected while inside
            print("before the error")
            1 / 0
    assert (sys.stdout, sys.stderr, _fd_identity(1), _fd_identity(2)) == before
    assert "before the error" in probe.observation().stdout


def test_tensorflow_and_absl_log_records():
    tf_logger, absl_logger = logging.getLogger("tensorflow"), logging.getLogger("absl")
    handlers = (list(tf_logger.handlers), list(absl_logger.handlers))
    probe = _probe(echo=False)
    with probe:
        tf_logger.warning("5 out of the last 5 calls triggered tf.function retracing")
        absl_logger.error("absl says %s", "hello")
        logging.getLogger("somebody.else").warning("not watched")
    logs = probe.observation().logs
    assert [(e.logger, e.level, e.message) for e in logs] == [
        ("tensorflow", "WARNING", "5 out of the last 5 calls triggered tf.function retracing"),
        ("absl", "ERROR", "absl says hello"),
    ]
    assert (tf_logger.handlers, absl_logger.handlers) == handlers


def test_tf_print_is_captured_at_fd_level(capfd):
    import tensorflow as tf
    tf.print("warm up")        # TensorFlow's start-up notices belong to nobody's cell
    capfd.readouterr()
    probe = _probe(echo=False)
    with probe:
        tf.print("tf.print to stdout", output_stream=sys.stdout)
        tf.print("tf.print to stderr")
    seen = probe.observation()
    assert "tf.print to stdout" in seen.stdout
    assert "tf.print to stderr" in seen.stderr
    assert capfd.readouterr().err == ""


# -- tqdm ---------------------------------------------------------------------------------
def test_tqdm_snapshots_with_exact_counts_and_raw_postfix_values():
    import numpy as np
    from tqdm import std, trange

    saved = {name: std.tqdm.__dict__[name] for name in ("__init__", "__iter__", "set_postfix", "refresh", "close")}
    probe = _probe(echo=False)
    with probe:
        steps = trange(1, 41, desc="Epoch 2/3", mininterval=3600)   # the bar itself prints rarely
        for step in steps:
            steps.set_postfix(loss=np.float32(1.0 / step), accuracy=step / 40)
    assert {name: std.tqdm.__dict__[name] for name in saved} == saved
    snaps = [s for s in probe.observation().tqdm if s.event == "postfix"]
    assert [s.n for s in snaps] == list(range(1, 41))   # tqdm's own `n` lags inside the loop
    assert snaps[4].postfix == {"loss": pytest.approx(0.2), "accuracy": pytest.approx(5 / 40)}
    assert snaps[-1].desc == "Epoch 2/3" and snaps[-1].total == 40
    assert "loss=" in snaps[-1].meter and "40/40" not in snaps[0].meter


def test_tqdm_notebook_bars_are_seen_and_old_bars_ignored():
    from tqdm import tqdm
    from tqdm.notebook import tqdm as notebook_tqdm

    old = tqdm(total=3, disable=False, file=open(os.devnull, "w"))
    probe = _probe(echo=False)
    with probe:
        old.set_postfix(loss=9.0)          # created before the probe: not the cell's
        bar = notebook_tqdm(range(3), desc="Epoch 1/1")
        for _ in bar:
            bar.set_postfix(loss=0.5, acc=0.75)
        bar.set_description("done")
    old.close()
    seen = probe.observation()
    assert {s.bar for s in seen.tqdm} == {0}
    assert any(s.event == "description" and s.desc == "done" for s in seen.tqdm)
    assert [r.values for r in seen.metrics()][:1] == [{"loss": 0.5, "accuracy": 0.75}]


def test_values_set_after_the_bar_closed_are_not_displayed():
    from tqdm import trange

    probe = _probe(echo=False)
    with probe:
        steps = trange(1, 4, desc="Epoch 1/1")
        for step in steps:
            steps.set_postfix(loss=1.0 / step, accuracy=0.5)
        steps.set_postfix(loss=0.3, accuracy=0.5, val_loss=0.4, val_accuracy=0.6)   # closed by now
    seen = probe.observation()
    assert not any("val_loss" in r.values for r in seen.metrics())
    hidden = [r for r in seen.metrics(include_undisplayed=True) if "val_loss" in r.values]
    assert hidden and not hidden[0].displayed


# -- what a training loop displayed -------------------------------------------------------
def test_metrics_from_printed_lines():
    text = (
        "Epoch 1/2\n"
        "step 1/3 - loss: 2.3000 - acc: 12.5%\r"
        "step 2/3 - loss: 2.1000 - acc: 20.0%\r"
        "Epoch 1 done: val loss = 1.9, validation accuracy = 0.31\n"
        "Epoch 2 step 1 train_loss=1.5 train_accuracy=0.6\n"
    )
    records = OutputObservation(stdout=text).metrics()
    assert [(r.epoch, r.iteration, r.values) for r in records] == [
        (1, 1, {"loss": 2.3, "accuracy": 0.125}),
        (1, 2, {"loss": 2.1, "accuracy": 0.2}),
        (1, None, {"val_loss": 1.9, "val_accuracy": 0.31}),
        (2, 1, {"loss": 1.5, "accuracy": 0.6}),
    ]


def test_tqdm_meter_text_on_stderr_is_not_read_twice():
    meter = "\rEpoch 1/3:  50%|#####     | 5/10 [00:01<00:01,  4.2it/s, loss=0.5, accuracy=0.8]"
    assert OutputObservation(stderr=meter).metrics() == []


@pytest.mark.parametrize("name, expected", [
    ("loss", "loss"), ("mean_loss", "loss"), ("Val. acc", "val_accuracy"), ("val_loss", "val_loss"),
    ("sparse_categorical_accuracy", "accuracy"), ("valid_accuracy", "val_accuracy"),
    ("test_acc", "test_accuracy"), ("epoch", None), ("lr", None), ("step", None),
])
def test_metric_names(name, expected):
    assert normalise_metric_name(name) == expected


def test_a_new_bar_never_inherits_an_old_bars_postfix():
    """Bars are collected and their ids reused; values must stay with their own bar."""
    import gc

    from tqdm import trange

    probe = _probe(echo=False)
    with probe:
        for epoch in (1, 2, 3):
            steps = trange(1, 3, desc=f"Epoch {epoch}/3")
            for step in steps:
                values = {"loss": 1.0 / step}
                if step == 2:
                    values.update(val_loss=float(epoch), val_accuracy=0.5)
                steps.set_postfix(values, accuracy=0.5)
            del steps
            gc.collect()
    vals = {(r.epoch, r.values["val_loss"]) for r in probe.observation().metrics() if "val_loss" in r.values}
    assert vals == {(1, 1.0), (2, 2.0), (3, 3.0)}
    assert sorted({s.bar for s in probe.observation().tqdm}) == [0, 1, 2]


def test_keras_progbar_updates_are_recorded_with_the_shown_values():
    import keras
    from keras.src.utils.progbar import Progbar

    original = Progbar.__dict__["update"]
    probe = _probe(echo=False)
    with probe:
        for epoch in (1, 2):
            print(f"Epoch {epoch}/2")
            bar = keras.utils.Progbar(10)
            for step in range(1, 11):
                bar.update(step, values=[("loss", 1.0 / step + epoch), ("accuracy", 0.1 * step)])
    assert Progbar.__dict__["update"] is original
    records = probe.observation().metrics()
    assert [(r.epoch, r.iteration) for r in records] == [(e, s) for e in (1, 2) for s in range(1, 11)]
    assert all(r.epoch_shown for r in records)   # "Epoch k/2" printed above each bar
    # Progbar shows the mean of the values given since the bar started: that is what is recorded.
    assert records[12].values == {"loss": pytest.approx(2 + (1 + 1 / 2 + 1 / 3) / 3), "accuracy": pytest.approx(0.2)}


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_captures_close_every_descriptor_they_open():
    before = _open_fds()
    for _ in range(40):
        with _probe(echo=False):
            os.write(1, b"x\n")
    assert _open_fds() == before


def test_a_background_threads_output_all_reaches_the_real_stream():
    # In a kernel sys.stdout is not fd 1 (ipykernel's OutStream): stand in with a plain buffer.
    import io
    import threading
    import time

    real = io.StringIO()
    started = threading.Event()

    def chatter() -> None:
        started.set()
        for i in range(200):
            print(f"line {i}")
            time.sleep(0.001)

    saved = sys.stdout
    sys.stdout = real
    try:
        thread = threading.Thread(target=chatter)
        with _probe(echo=True):                   # the cell starts the thread...
            thread.start()
            started.wait()
            time.sleep(0.02)
        with _probe(echo=False):                  # ...which goes on while the checks run quietly
            print("the checks' own output")
            thread.join()
    finally:
        sys.stdout = saved
    lines = real.getvalue().splitlines()
    assert [line for line in lines if line.startswith("line ")] == [f"line {i}" for i in range(200)]
    assert "the checks' own output" not in lines


def test_a_stream_kept_from_inside_the_probe_writes_through_afterwards(capsys):
    probe = _probe(echo=False)
    with probe:
        kept = sys.stdout            # e.g. a logging handler made by the learner's cell
        kept.write("recorded, not shown\n")
    kept.write("shown after the probe\n")
    shown = capsys.readouterr().out
    assert "shown after the probe" in shown and "recorded, not shown" not in shown
    assert "shown after the probe" not in probe.observation().stdout
