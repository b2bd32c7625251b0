"""Exercises q07, q08, q09 and q11: the reference scores full marks with several seeds, correct variants too,
every mutant loses the very checks its header names, and wrong variants lose points."""

from __future__ import annotations

import pytest

from ..exercise_harness import mutant_cases, variant_cases
from . import _exercise_tests as t

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning")]

FOLDERS = ['q07-layer-vs-model', 'q08-train-step', 'q09-tf-function-rules', 'q11-dynamic-model']

# Messages that must name the fix in the learner's terms (Keras 3 spellings included).
WORDING = {
    ("q07-layer-vs-model", "not_registered"): "register_keras_serializable",
    ("q08-train-step", "no_regularization"): "model.losses",
    ("q09-tf-function-rules", "python_print"): "tf.print",
    ("q09-tf-function-rules", "python_scalar_arguments"): "tf.constant(n)",
    ("q11-dynamic-model", "keras2_dynamic"): "run_eagerly=True",
    ("q11-dynamic-model", "global_eager_switch"): "run_eagerly=True",
}


@pytest.mark.parametrize("seed", t.SEEDS)
@pytest.mark.parametrize("folder", FOLDERS)
def test_reference_gets_full_marks(folder, seed):
    t.reference_gets_full_marks(folder, seed)


@pytest.mark.parametrize("folder,mutant", mutant_cases(FOLDERS))
def test_mutant_is_caught_by_its_declared_checks(folder, mutant):
    t.mutant_caught_by_its_declared_checks(folder, mutant, WORDING)


@pytest.mark.parametrize("folder,variant", variant_cases(FOLDERS, "correct"))
def test_correct_variant_gets_full_marks(folder, variant):
    t.correct_variant_gets_full_marks(folder, variant)


@pytest.mark.parametrize("folder,variant", variant_cases(FOLDERS, "wrong"))
def test_wrong_variant_is_caught(folder, variant):
    t.wrong_variant_is_caught(folder, variant)
