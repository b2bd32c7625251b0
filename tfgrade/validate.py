"""Prove an exercise's checks: the reference must score full marks, every mutant must lose a check."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from typing import Any, Callable

from .config import Settings, load_settings
from .report import Report
from .errors import SpecError
from .spec import Exercise, Mutant

__all__ = ["MutantResult", "ExerciseValidation", "validate_exercise", "grade_source"]


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    report: Report

    @property
    def caught(self) -> bool:
        return self.report.score < self.report.max_score or self.report.cell_error is not None

    @property
    def lost_checks(self) -> list[str]:
        return [c.id for c in self.report.checks if c.status != "pass"]


@dataclass(frozen=True)
class ExerciseValidation:
    exercise: Exercise
    reference: Report
    mutants: tuple[MutantResult, ...] = ()
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def grade_source(exercise: Exercise, source: str, settings: Settings | None = None) -> Report:
    """Grade ``source`` as the exercise's cell, in a fresh namespace prepared by its setup code.

    Setup and cell output is swallowed: this is for validation and tests, not learners.
    """
    from .datasets import install_offline_fallback
    from .engine import run_and_grade
    from .execute import run_cell

    settings = settings or load_settings()
    # as `%load_ext tfgrade` does in a notebook
    install_offline_fallback(data_dir=settings.data_dir, offline=settings.offline)

    namespace: dict[str, Any] = {"__name__": "__main__"}
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            setup = run_cell(exercise.setup_source, namespace, first_line=1, label=f"{exercise.short_id}-setup")
            if setup.error is not None:
                raise RuntimeError(f"{exercise.id}: setup.py raised {setup.error.describe()}")
            return run_and_grade(exercise, source, namespace, settings=settings, first_line=1, echo_output=False)
    finally:
        _reset_process_state()


def _reset_process_state() -> None:
    """A graded cell may switch TensorFlow to eager mode for the whole process; the next
    grading must start as a fresh kernel would."""
    import tensorflow as tf

    tf.config.run_functions_eagerly(False)


def validate_exercise(
    exercise: Exercise,
    settings: Settings | None = None,
    on_step: Callable[[str], None] | None = None,
) -> ExerciseValidation:
    settings = settings or load_settings(include_hidden=True)
    problems: list[str] = []
    if on_step:
        on_step(f"{exercise.short_id}: reference solution")
    reference = grade_source(exercise, exercise.solution_source, settings)
    if reference.cell_error is not None:
        problems.append(f"the reference solution raised {reference.cell_error.describe()}")
    elif not reference.passed:
        lost = ", ".join(f"{c.id} ({c.status}: {c.message.splitlines()[0] if c.message else ''})"
                         for c in reference.checks if c.status != "pass")
        problems.append(f"the reference solution scored {reference.score:g}/{reference.max_score:g}; lost: {lost}")
    if not reference.checks:
        problems.append("no checks were collected")
    results = []
    try:
        mutants = exercise.mutants
    except SpecError as exc:
        return ExerciseValidation(exercise, reference, (), (*problems, str(exc)))
    for mutant in mutants:
        if on_step:
            on_step(f"{exercise.short_id}: mutant {mutant.name}")
        result = MutantResult(mutant, grade_source(exercise, mutant.source, settings))
        if not result.caught:
            problems.append(f"mutant {mutant.name!r} ({mutant.note}) was not caught: it scored full marks")
        results.append(result)
    return ExerciseValidation(exercise, reference, tuple(results), tuple(problems))
