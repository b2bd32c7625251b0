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
