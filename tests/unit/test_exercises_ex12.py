"""Exercises ex12: the reference scores full marks with several seeds, correct variants too,
every mutant loses the very checks its header names, and wrong variants lose points."""

from __future__ import annotations

import pytest

from ..exercise_harness import grade, lost_checks, mutant_cases, variant_cases
from . import _exercise_tests as t

FOLDERS = ['ex12-layer-norm']

# Messages that must name the fix in the learner's terms (Keras 3 spellings included).
WORDING = {
    ("ex12-layer-norm", "keras2_positional_name"): 'add_weight(name="alpha"',
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


def test_untouched_starter_earns_nothing_and_says_what_is_missing():
    report = grade("ex12-layer-norm", "starter")
    assert report.score == 0
    first = next(c for c in report.checks if c.id == "weights_created")
    assert first.status == "fail" and "`build()` has not created `alpha` and `beta`" in first.message
    others = [c for c in report.checks if c.id != "weights_created"]
    assert others and all(c.status == "skip" and "build()" in c.message for c in others), lost_checks(report)


def test_call_left_as_starter_is_named_in_learner_terms():
    report = grade("ex12-layer-norm", "wrong:call_not_written")
    owner = next(c for c in report.checks if c.id == "output_matches_keras")
    assert owner.status == "fail"
    assert "`call()` returns None: it still holds the starter's `...`" in owner.message
    assert not [c for c in report.checks if "NoneType" in c.message or "KeyError" in c.message]


@pytest.mark.parametrize("mutant,says", [
    ("keras2_positional_name", 'add_weight(name="alpha"'),
    ("not_a_layer", "subclasses keras.layers.Layer"),
    ("full_input_shape", "input_shape[-1:]"),
])
def test_one_root_cause_gives_one_message_and_skips_the_rest(mutant, says):
    report = grade("ex12-layer-norm", f"mutant:{mutant}")
    failed = [c for c in report.checks if c.status in ("fail", "error")]
    assert [c.id for c in failed] == ["weights_created"], lost_checks(report)
    assert says in failed[0].message
    skipped = [c for c in report.checks if c.id != "weights_created"]
    assert all(c.status == "skip" and "weights named alpha and beta" in c.message for c in skipped), lost_checks(report)


def test_gradient_advice_says_what_was_seen():
    """The reference's std + eps form gives large but finite gradients: labelled so, never as NaN."""
    report = grade("ex12-layer-norm", "solution")
    advice = [d for d in report.diagnostics if d.source == "checks" and d.kind.endswith("-gradient")]
    assert len(advice) == 1
    assert advice[0].kind == "large-gradient" and "NaN" not in advice[0].message
    assert advice[0].details["largest_gradient"] > 300
    sqrt_form = grade("ex12-layer-norm", "correct:keras_sqrt_var_eps")
    assert not [d for d in sqrt_form.diagnostics if d.kind.endswith("-gradient")]
