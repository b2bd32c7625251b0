"""Exercises q02-q06: the reference scores full marks with several seeds, correct variants too,
every mutant loses the very checks its header names, and wrong variants lose points."""

from __future__ import annotations

import pytest

from ..exercise_harness import mutant_cases, variant_cases
from . import _exercise_tests as t

FOLDERS = ['q02-tf-vs-numpy', 'q03-dtypes', 'q04-data-structures', 'q05-custom-loss', 'q06-streaming-metric']

# Messages that must name the fix in the learner's terms (Keras 3 spellings included).
WORDING = {
    ("q05-custom-loss", "keras2_reduction_auto"): "Keras 3",
    ("q06-streaming-metric", "keras2_reset_states"): "reset_state()",
    ("q06-streaming-metric", "keras2_add_weight_positional"): 'add_weight(name="total"',
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
