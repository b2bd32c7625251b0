"""Exercise 13 (custom training loop): graded by observation, on the offline stand-in.

The reference must get full marks, an accepted variant with printed lines and a
tf.function step too, and every mutant must lose the check aimed at its mistake. Each run
trains a small network for a few seconds, so the mutant runs are marked ``slow``.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest

import keras  # noqa: F401 - a required dependency: fail loudly if it is broken

import tfgrade  # noqa: E402
import tfgrade.data  # noqa: E402
from tfgrade.execute import run_cell  # noqa: E402
from tfgrade.spec import load_exercise  # noqa: E402

FOLDER = Path(__file__).resolve().parents[2] / "exercises" / "ex13-training-loop"

# mutant -> the check that must not pass for it
TARGETS = {
    "one_optimizer": "two_optimizers",
    "same_optimizer_twice": "two_optimizers",
    "upper_not_applied": "lower_and_upper_layers",
    "metrics_not_reset": "running_means_per_epoch",
    "last_batch_shown": "running_means_per_epoch",
    "loss_summed": "loss_is_a_mean",
    "validation_on_training_data": "validation_uses_validation_data",
    "validation_after_bar_closed": "validation_each_epoch",
    "labels_shuffled_separately": "test_accuracy",
}

# Printed lines instead of tqdm, a tf.function step, one Sequential split by index.
PRINTING_VARIANT = '''
model = keras.Sequential([
    keras.Input(shape=(28, 28)), keras.layers.Flatten(),
    keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10),
])
lower_vars = model.layers[1].trainable_variables
upper_vars = model.layers[2].trainable_variables
opt_lower = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
opt_upper = keras.optimizers.Adam(learning_rate=0.003)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
train_loss, train_acc = keras.metrics.Mean(), keras.metrics.SparseCategoricalAccuracy()

@tf.function
def train_step(X, y):
    with tf.GradientTape(persistent=True) as tape:
        logits = model(X, training=True)
        loss = loss_fn(y, logits)
    opt_lower.apply_gradients(zip(tape.gradient(loss, lower_vars), lower_vars))
    opt_upper.apply_gradients(zip(tape.gradient(loss, upper_vars), upper_vars))
    train_loss.update_state(loss)
    train_acc.update_state(y, logits)

n_steps = len(X_train) // 32
for epoch in range(1, 4):
    idx = np.random.permutation(len(X_train))
    for step in range(1, n_steps + 1):
        b = idx[(step - 1) * 32: step * 32]
        train_step(X_train[b], y_train[b])
        print(f"Epoch {epoch} step {step}/{n_steps} - loss: {train_loss.result():.4f}"
              f" - acc: {train_acc.result():.4f}", end="\\r")
    logits = model(X_valid)
    print(f"\\nEpoch {epoch} val_loss: {float(loss_fn(y_valid, logits)):.4f}"
          f" val_acc: {float(np.mean(np.argmax(logits, 1) == y_valid)):.4f}")
    train_loss.reset_state(); train_acc.reset_state()
'''

# keras.utils.Progbar, which averages the batch values itself; "Epoch k/N" printed above.
PROGBAR_VARIANT = '''
lower = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                          keras.layers.Dense(100, activation="relu")])
upper = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model = keras.Sequential([lower, upper])
optimizers = [keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), keras.optimizers.Nadam(learning_rate=0.002)]
loss_fn = keras.losses.SparseCategoricalCrossentropy()
n_steps = len(X_train) // 32
for epoch in range(1, 4):
    print(f"Epoch {epoch}/3")
    progbar = keras.utils.Progbar(n_steps)
    idx = np.random.permutation(len(X_train))
    for step in range(1, n_steps + 1):
        b = idx[(step - 1) * 32: step * 32]
        with tf.GradientTape(persistent=True) as tape:
            y_pred = model(X_train[b], training=True)
            loss = loss_fn(y_train[b], y_pred)
        for part, opt in zip((lower, upper), optimizers):
            opt.apply_gradients(zip(tape.gradient(loss, part.trainable_variables), part.trainable_variables))
        acc = np.mean(np.argmax(y_pred, axis=1) == y_train[b])
        values = [("loss", float(loss)), ("accuracy", acc)]
        if step < n_steps:
            progbar.update(step, values=values)
    y_valid_pred = model(X_valid)
    progbar.update(n_steps, values=values + [
        ("val_loss", float(loss_fn(y_valid, y_valid_pred))),
        ("val_accuracy", float(np.mean(np.argmax(y_valid_pred, axis=1) == y_valid)))])
'''


@pytest.fixture(scope="module")
def exercise():
    return load_exercise(FOLDER)


@pytest.fixture(autouse=True)
def _offline(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty-keras-home"))
    monkeypatch.setenv("TFGRADE_OFFLINE", "1")      # no download attempt: the stand-in serves
    monkeypatch.delenv("TFGRADE_DATA", raising=False)
    monkeypatch.delenv("TFGRADE_PROBES", raising=False)
    monkeypatch.chdir(tmp_path)
    tfgrade.data.install_offline_fallback()     # as `%load_ext tfgrade` does before setup runs
    yield
    tfgrade.data.uninstall_offline_fallback()   # leave the process as found


def _grade(exercise, source):
    namespace = {"__name__": "__main__"}
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        setup = run_cell(exercise.setup_source, namespace, first_line=1)
        assert setup.error is None, setup.error
        return tfgrade.run_and_check(exercise, source, namespace), namespace


def test_setup_split_is_the_one_the_checks_rebuild(exercise, pytestconfig):
    import importlib.util

    from tfgrade.pytest_plugin import MARKERS

    for name, text in MARKERS.items():   # checks.py uses tfgrade's markers at import
        pytestconfig.addinivalue_line("markers", f"{name}: {text}")
    namespace = {"__name__": "__main__"}
    with redirect_stdout(io.StringIO()):
        assert run_cell(exercise.setup_source, namespace, first_line=1).error is None
    spec = importlib.util.spec_from_file_location("ex13_checks_for_test", FOLDER / "checks.py")
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    rebuilt = checks._data(exercise)
    for name in ("X_train", "y_train", "X_valid", "y_valid"):
        np.testing.assert_array_equal(namespace[name], rebuilt[name])
    np.testing.assert_array_equal(namespace["X_test"][: len(rebuilt["X_test"])], rebuilt["X_test"])
    budget = exercise.budget
    assert len(namespace["X_train"]) == budget["train_samples"] and len(namespace["X_valid"]) == budget["valid_samples"]


@pytest.mark.slow
def test_reference_full_marks_on_the_labelled_stand_in(exercise):
    report, _ = _grade(exercise, exercise.solution_source)
    assert report.cell_error is None
    assert report.score == report.max_score >= 14, [(c.id, c.message) for c in report.checks if not c.passed]
    assert report.data == {"fashion_mnist": {"source": "stand-in", "train": 7000, "test": 2000}}
    assert [d.kind for d in report.diagnostics if d.kind == "data"] == ["data"]
    assert report.timings["total"] < 60


@pytest.mark.slow
def test_printed_lines_and_tf_function_step_accepted(exercise):
    report, _ = _grade(exercise, PRINTING_VARIANT)
    assert report.score == report.max_score, [(c.id, c.message) for c in report.checks if not c.passed]


@pytest.mark.slow
def test_keras_progbar_accepted(exercise):
    report, _ = _grade(exercise, PROGBAR_VARIANT)
    assert report.score == report.max_score, [(c.id, c.message) for c in report.checks if not c.passed]


@pytest.mark.slow
@pytest.mark.parametrize("mutant", sorted(TARGETS))
def test_mutant_loses_its_check(exercise, mutant):
    source = (FOLDER / "mutants" / f"{mutant}.py").read_text(encoding="utf-8")
    assert source.startswith("# mistake: ")
    report, _ = _grade(exercise, source)
    status = {c.id: c.status for c in report.checks}
    assert status[TARGETS[mutant]] != "pass", status


def test_every_mutant_has_a_target(exercise):
    assert {m.name for m in exercise.mutants} == set(TARGETS)
