"""Shared by the per-exercise tests: grade a reference, a mutant or an accepted variant."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import tfgrade
from tfgrade.config import load_settings
from tfgrade.spec import load_exercise
from tfgrade.validate import grade_source

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"


def grade_variant(folder: str, variant: str, variants: Mapping[str, Mapping[str, str]] = {}) -> tfgrade.Report:
    """``variant`` is "solution", "mutant:<name>", or a key of ``variants[folder]``; hidden checks included."""
    exercise = load_exercise(EXERCISES / folder)
    if variant == "solution":
        source = exercise.solution_source
    elif variant.startswith("mutant:"):
        source = next(m.source for m in exercise.mutants if m.name == variant[len("mutant:"):])
    else:
        source = variants[folder][variant]
    return grade_source(exercise, source, load_settings(include_hidden=True))


def lost_checks(report: tfgrade.Report) -> dict[str, str]:
    return {c.id: f"{c.status}: {c.message}" for c in report.checks if c.status != "pass"}


def assert_full_marks(report: tfgrade.Report, *, needs_checks: bool = False) -> None:
    assert report.cell_error is None, report.cell_error
    if needs_checks:
        assert report.checks, "no checks ran"
    assert report.score == report.max_score, lost_checks(report)


def assert_mutants_listed(folder: str, targets: Mapping[str, str]) -> None:
    names = {m.name for m in load_exercise(EXERCISES / folder).mutants}
    assert len(names) >= 5
    assert names == set(targets), "keep TARGETS in step with the mutants folder"


def assert_loses_target(report: tfgrade.Report, mutant: str, target: str, wording: str | None = None) -> None:
    """The mutant loses points, and in particular the check aimed at its mistake (with ``wording``)."""
    statuses = {c.id: c.status for c in report.checks}
    assert target in statuses, f"no check named {target!r}; checks are {sorted(statuses)}"
    assert report.score < report.max_score
    assert statuses[target] != "pass", f"{mutant} passed {target}; lost only {lost_checks(report)}"
    if wording is not None:
        message = next(c.message for c in report.checks if c.id == target)
        assert wording in message, message
