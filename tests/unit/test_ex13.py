"""Exercise 13 (custom training loop): graded by observation, on the offline stand-in.

The reference and independently written correct loops (``tests/ex13_variants/``) must get
full marks at the exercise's budget; each mutant must lose every check its ``# caught-by:``
header names, by failing it (not by crashing the cell or the check). Structural mutants
are graded on a smaller training set (their mistakes show in any number of steps); only
the reference, the variants and the mutants caught by the accuracy check train on the
full budget. The reset check is also tested directly on displayed sequences (no training).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import tfgrade
from tfgrade import datasets
from tfgrade.datasets import standin
from tfgrade.execute import run_cell
from tfgrade.probes.output import MetricRecord
from tfgrade.spec import load_exercise

FOLDER = Path(__file__).resolve().parents[2] / "exercises" / "ex13-training-loop"
VARIANTS = Path(__file__).resolve().parents[1] / "ex13_variants"
SMALL_TRAINING_SET = 1600          # 50 steps per epoch: enough to show every structural mistake
# The suite shares 2 cores with other work: the cell's time budget is loosened here, so a busy
# machine does not fail a correct loop (what these tests prove is the verdicts, not the speed).
LOADED_MACHINE_SLACK = 4.0
FULL_BUDGET_CHECKS = {"check_test_accuracy", "check_time_budget"}


def _mutants() -> dict[str, tuple[str, ...]]:
    found = {}
    for path in sorted((FOLDER / "mutants").glob("*.py")):
        header = path.read_text(encoding="utf-8").splitlines()[:2]
        assert header[0].startswith("# mistake: "), path
        match = re.fullmatch(r"# caught-by: (.+)", header[1])
        assert match, f"{path.name}: second line must be '# caught-by: check_a[, check_b]'"
        found[path.stem] = tuple(name.strip() for name in match.group(1).split(","))
    return found


MUTANTS = _mutants()


@pytest.fixture(scope="module")
def exercise():
    return load_exercise(FOLDER)


@pytest.fixture(scope="module")
def checks_module(pytestconfig):
    from tfgrade.pytest_plugin import MARKERS

    for name, text in MARKERS.items():   # checks.py uses tfgrade's markers at import
        pytestconfig.addinivalue_line("markers", f"{name}: {text}")
    spec = importlib.util.spec_from_file_location("ex13_checks_for_test", FOLDER / "checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _offline(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty-keras-home"))
    monkeypatch.delenv("TFGRADE_PROBES", raising=False)
    monkeypatch.chdir(tmp_path)
    datasets.install_offline_fallback(offline=True)   # as `%load_ext tfgrade` does, settings given
    yield
    datasets.uninstall_offline_fallback()             # leave the process as found


def _grade(exercise, source, train_samples: int | None = None):
    """Run setup then grade ``source``; a smaller training set shrinks the budget the checks rebuild too."""
    budget = {**exercise.budget, "max_seconds": exercise.budget["max_seconds"] * LOADED_MACHINE_SLACK}
    if train_samples is not None:
        budget["train_samples"] = train_samples
    exercise = dataclasses.replace(exercise, budget=budget)
    namespace = {"__name__": "__main__"}
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        setup = run_cell(exercise.setup_source, namespace, first_line=1)
        assert setup.error is None, setup.error
        if train_samples is not None:
            namespace["X_train"] = namespace["X_train"][:train_samples]
            namespace["y_train"] = namespace["y_train"][:train_samples]
        return tfgrade.run_and_check(exercise, source, namespace)


def _verdicts(report) -> dict[str, str]:
    return {c.id: c.status for c in report.checks}


def test_setup_split_is_the_one_the_checks_rebuild(exercise, checks_module):
    namespace = {"__name__": "__main__"}
    with redirect_stdout(io.StringIO()):
        assert run_cell(exercise.setup_source, namespace, first_line=1).error is None
    rebuilt = checks_module._data(exercise)
    for name in ("X_train", "y_train", "X_valid", "y_valid"):
        np.testing.assert_array_equal(namespace[name], rebuilt[name])
    np.testing.assert_array_equal(namespace["X_test"][: len(rebuilt["X_test"])], rebuilt["X_test"])
    budget = exercise.budget
    assert len(namespace["X_train"]) == budget["train_samples"] and len(namespace["X_valid"]) == budget["valid_samples"]


@pytest.mark.slow
def test_reference_gets_the_same_full_marks_on_the_stand_in_and_on_a_course_folder(exercise, tmp_path):
    report = _grade(exercise, exercise.solution_source)
    assert report.cell_error is None, report.cell_error
    assert report.score == report.max_score >= 14, [(c.id, c.message) for c in report.checks if not c.passed]
    assert report.data == {"fashion_mnist": {"source": "stand-in", "train": 60_000, "test": 10_000}}
    notes = [d for d in report.diagnostics if d.kind == "data"]
    assert len(notes) == 1 and "stand-in" in notes[0].message   # the card says so

    # A course's own files (here: a differently seeded stand-in written as IDX files).
    (x_train, y_train), (x_test, y_test) = standin.generate(seed=7)
    course = tmp_path / "course"
    course.mkdir()
    for (split, part), name in datasets.FASHION_MNIST_FILES.items():
        array = {("train", "images"): x_train, ("train", "labels"): y_train,
                 ("test", "images"): x_test, ("test", "labels"): y_test}[split, part]
        datasets.write_idx(course / name, array)
    datasets.install_offline_fallback(data_dir=str(course), offline=True)
    on_course = _grade(exercise, exercise.solution_source)
    assert on_course.cell_error is None, on_course.cell_error
    assert on_course.data["fashion_mnist"]["source"] == "course"
    assert not [d for d in on_course.diagnostics if d.kind == "data"]
    assert _verdicts(on_course) == _verdicts(report)


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(p.stem for p in VARIANTS.glob("*.py")))
def test_independent_correct_loops_get_full_marks(exercise, variant):
    report = _grade(exercise, (VARIANTS / f"{variant}.py").read_text(encoding="utf-8"))
    assert report.cell_error is None, report.cell_error
    assert report.score == report.max_score, [(c.id, c.message) for c in report.checks if not c.passed]


@pytest.mark.slow
@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_mutant_fails_the_checks_its_header_names(exercise, mutant):
    targets = MUTANTS[mutant]
    small = None if FULL_BUDGET_CHECKS & set(targets) else SMALL_TRAINING_SET
    report = _grade(exercise, (FOLDER / "mutants" / f"{mutant}.py").read_text(encoding="utf-8"), small)
    assert report.cell_error is None, f"{mutant} crashed the cell: not a caught mistake ({report.cell_error})"
    verdicts = _verdicts(report)
    for target in targets:
        name = target.removeprefix("check_")
        assert verdicts.get(name) == "fail", (target, verdicts,
                                              [(c.id, c.message) for c in report.checks if not c.passed])


def test_every_mutant_names_existing_checks(exercise, checks_module):
    assert {m.name for m in exercise.mutants} == set(MUTANTS)
    defined = {name for name in vars(checks_module) if name.startswith("check_")}
    for mutant, targets in MUTANTS.items():
        assert set(targets) <= defined, (mutant, set(targets) - defined)


# -- the reset, observed on displayed numbers (no training) ----------------------------------
def _displayed(batches: np.ndarray, reset: bool, last_batch: bool = False, decimals: int | None = None,
               dtype=np.float64):
    """Records a loop shows for per-epoch batch values ``batches[epoch, step]`` (loss, accuracy)."""
    records = []
    total = np.zeros(2, dtype)
    batches = batches.astype(dtype)
    count = 0
    for epoch, epoch_batches in enumerate(batches, start=1):
        if reset:
            total[:], count = 0.0, 0
        for step, values in enumerate(epoch_batches, start=1):
            total += values
            count += 1
            shown = values if last_batch else (total / dtype(count)).astype(dtype)
            if decimals is not None:
                shown = np.round(shown, decimals)
            records.append(MetricRecord("tqdm", epoch, step, {"loss": float(shown[0]), "accuracy": float(shown[1])}))
    return SimpleNamespace(output=SimpleNamespace(metrics=lambda include_undisplayed=False: records))


def _batches(seed: int, n_epochs: int = 3, n_steps: int = 156, slow: bool = False) -> np.ndarray:
    """Plausible batch values: a loss falling with training (slowly for a slow optimizer), accuracy k/32."""
    rng = np.random.default_rng(seed)
    progress = np.linspace(0, 1, n_epochs * n_steps).reshape(n_epochs, n_steps) * (0.3 if slow else 1.0)
    accuracy_p = 0.3 + 0.5 * (1 - np.exp(-6 * progress))
    accuracy = rng.binomial(32, accuracy_p) / 32
    loss = np.maximum(0.05, 2.0 * (1 - accuracy_p) + rng.normal(0, 0.15, accuracy_p.shape))
    return np.stack([loss, accuracy], axis=-1)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("slow", [False, True])
@pytest.mark.parametrize("decimals", [None, 4])
def test_reset_check_accepts_fresh_means_and_rejects_carried_ones(checks_module, seed, slow, decimals):
    batches = _batches(seed, slow=slow)
    check = checks_module.check_running_means_per_epoch
    check(_displayed(batches, reset=True, decimals=decimals))     # passes: no exception
    with pytest.raises(AssertionError, match="still includes the batches of epoch 1"):
        check(_displayed(batches, reset=False, decimals=decimals))
    with pytest.raises(AssertionError, match="value of the last batch"):
        check(_displayed(batches, reset=True, last_batch=True, decimals=decimals))


def test_reset_check_accepts_zero_based_steps_and_percent_accuracy(checks_module):
    batches = _batches(11)
    shown = _displayed(batches, reset=True)
    records = shown.output.metrics()
    shifted = [dataclasses.replace(r, iteration=r.iteration - 1,
                                   values={**r.values, "accuracy": 100 * r.values["accuracy"]}) for r in records]
    checks_module.check_running_means_per_epoch(SimpleNamespace(output=SimpleNamespace(
        metrics=lambda include_undisplayed=False: shifted)))


def test_reset_check_accepts_float32_means_of_long_epochs_with_perfect_batches(checks_module):
    """Keras metrics sum in float32: rounding must not make a 100 % batch look impossible."""
    rng = np.random.default_rng(3)
    accuracy = rng.binomial(32, 0.985, size=(2, 1718)) / 32        # many batches at exactly 1.0
    loss = rng.uniform(0.0, 0.1, size=(2, 1718))
    batches = np.stack([loss, accuracy], axis=-1)
    checks_module.check_running_means_per_epoch(_displayed(batches, reset=True, dtype=np.float32))
