"""The per-exercise test bodies, shared by the ``test_exercises_*`` modules (not a test module).

Each module names its exercise folders; mutants and their catching checks come from the
catalog's mutant headers, correct and wrong variants from ``tests/unit/variants/<short_id>/``.
"""

from __future__ import annotations

from typing import Mapping

from ..exercise_harness import (
    SEEDS,
    assert_caught,
    assert_caught_as_declared,
    assert_full_marks,
    caught_by,
    exercise,
    grade,
)


def reference_gets_full_marks(folder: str, seed: int | None) -> None:
    assert_full_marks(grade(folder, "solution", seed), needs_checks=True)


def mutant_caught_by_its_declared_checks(folder: str, mutant: str, wording: Mapping[tuple[str, str], str]) -> None:
    declared = caught_by(next(m for m in exercise(folder).mutants if m.name == mutant))
    report = grade(folder, f"mutant:{mutant}")
    assert_caught_as_declared(report, mutant, declared)
    expected = wording.get((folder, mutant))
    if expected is not None:
        messages = " | ".join(c.message for c in report.checks if c.status != "pass")
        assert expected in messages, f"{mutant}: no message says {expected!r}: {messages}"


def correct_variant_gets_full_marks(folder: str, variant: str) -> None:
    assert_full_marks(grade(folder, f"correct:{variant}"))


def wrong_variant_is_caught(folder: str, variant: str) -> None:
    assert_caught(grade(folder, f"wrong:{variant}"), variant)


__all__ = [
    "SEEDS", "reference_gets_full_marks", "mutant_caught_by_its_declared_checks",
    "correct_variant_gets_full_marks", "wrong_variant_is_caught",
]
