"""Prove an exercise's checks: the reference must score full marks, every mutant must lose a check."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, MutableMapping

from .config import Settings, load_settings
from .errors import SpecError
from .lint import CheckInfo, import_problems, lint_exercise
from .report import Report
from .requirements import Requirement, read_requirements
from .spec import Exercise, Mutant

__all__ = ["MutantResult", "ExerciseValidation", "validate_exercise", "grade_source", "run_setup"]


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    report: Report
    names: Mapping[str, str] = field(default_factory=dict)   # check id -> check function name

    @property
    def caught(self) -> bool:
        return self.report.score < self.report.max_score or self.report.cell_error is not None

    @property
    def lost_checks(self) -> list[str]:
        return [c.id for c in self.report.checks if c.status != "pass"]

    @property
    def failed_checks(self) -> list[str]:
        """The check function names (as `# caught-by:` writes them) that caught this mutant: they
        failed, or the mutant's code raised or ran out of time in them. A skipped check (the cell
        raised before defining what it needs) or one that broke on its own caught nothing."""
        return [self.names.get(c.id, c.id) for c in self.report.checks
                if c.status == "fail" or (c.status == "error" and (c.traceback or c.timed_out))]

    @property
    def missed_declared(self) -> list[str]:
        """Checks the header says must catch this mutant but did not (passed, skipped, or broke)."""
        failed = set(self.failed_checks)
        return [name for name in self.mutant.caught_by if name not in failed]

    def describe_missed(self) -> str:
        statuses = {self.names.get(c.id, c.id): c for c in self.report.checks}
        parts = []
        for name in self.missed_declared:
            check = statuses.get(name)
            how = "did not run" if check is None else check.status if check.status != "error" else \
                f"broke on its own: {check.message.splitlines()[0] if check.message else check.error_type}"
            parts.append(f"{name} ({how})")
        return ", ".join(parts)


@dataclass(frozen=True)
class ExerciseValidation:
    exercise: Exercise
    reference: Report | None            # None when the checks could not even be loaded
    mutants: tuple[MutantResult, ...] = ()
    problems: tuple[str, ...] = field(default_factory=tuple)
    seeds: tuple[tuple[int, float, float], ...] = ()   # (seed, score, max score) of the reference per seed
    checks: tuple[CheckInfo, ...] = ()
    requirements: tuple[Requirement, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def untested_checks(self) -> list[str]:
        """Checks that no mutant trips: nothing shows they can fail."""
        tripped = {name for m in self.mutants for name in m.failed_checks}
        return [c.name for c in self.checks if c.name not in tripped]

    @property
    def check_times(self) -> dict[str, float]:
        """Seconds each check took on the reference solution."""
        if self.reference is None:
            return {}
        names = {c.id: c.name for c in self.checks}
        return {names.get(c.id, c.id): c.duration for c in self.reference.checks}


def run_setup(exercise: Exercise, namespace: MutableMapping[str, Any]) -> None:
    """Run the exercise's ``setup.py`` in ``namespace``, as the notebook cells above the graded one
    would (imports, data); raise :class:`SpecError` naming setup.py if it raises."""
    from .execute import run_cell

    setup = run_cell(exercise.setup_source, namespace, first_line=1, label=f"{exercise.short_id}-setup")
    if setup.error is not None:
        raise SpecError(exercise.folder / "setup.py", f"the exercise's setup code raised {setup.error.describe()}")


def grade_source(exercise: Exercise, source: str, settings: Settings | None = None) -> Report:
    """Grade ``source`` as the exercise's cell, in a fresh namespace prepared by its setup code.

    Setup and cell output is swallowed: this is for validation and tests, not learners.
    """
    from .datasets import install_offline_fallback
    from .engine import run_and_grade

    settings = settings or load_settings()
    # as `%load_ext tfgrade` does in a notebook
    install_offline_fallback(data_dir=settings.data_dir, offline=settings.offline)

    namespace: dict[str, Any] = {"__name__": "__main__"}
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            run_setup(exercise, namespace)
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
    *,
    seeds: int = 3,
) -> ExerciseValidation:
    """Lint the folder, then grade the reference (under ``seeds`` different seeds) and every mutant.

    Problems (each makes ``ok`` false): whatever :mod:`tfgrade.lint` and the requirement table
    report, a reference short of full marks under any seed, a mutant not caught, or caught
    without every check its ``# caught-by:`` header names.
    """
    settings = settings or load_settings(include_hidden=True)
    checks, lint = lint_exercise(exercise)
    lint += import_problems(exercise) if not lint else []
    mutant_names = {p.stem for p in (exercise.folder / "mutants").glob("*.py")}
    requirements, table = read_requirements(exercise.folder / "README.md", {c.name for c in checks}, mutant_names)
    problems = [str(p) for p in (*lint, *table)]
    if any(p.path in (exercise.checks_path, exercise.hidden_checks_path) and "does not" in p.message for p in lint):
        return ExerciseValidation(exercise, None, (), tuple(problems), (), tuple(checks), tuple(requirements))
    names = {c.id: c.name for c in checks}
    if on_step:
        on_step(f"{exercise.short_id}: reference solution")
    reference = grade_source(exercise, exercise.solution_source, settings)
    problems += _reference_problems(reference, "")
    if not reference.checks:
        problems.append("no checks were collected")
    base = exercise.seed if settings.seed is None else settings.seed
    scores = [(base, reference.score, reference.max_score)]
    for seed in range(base + 1, base + seeds):
        if on_step:
            on_step(f"{exercise.short_id}: reference solution, seed {seed}")
        again = grade_source(exercise, exercise.solution_source, settings.updated(seed=seed))
        scores.append((seed, again.score, again.max_score))
        problems += _reference_problems(again, f" with seed {seed}") if reference.passed else []
    results = []
    try:
        mutants = exercise.mutants
    except SpecError as exc:
        return ExerciseValidation(exercise, reference, (), (*problems, str(exc)), tuple(scores), tuple(checks),
                                  tuple(requirements))
    for mutant in mutants:
        if on_step:
            on_step(f"{exercise.short_id}: mutant {mutant.name}")
        result = MutantResult(mutant, grade_source(exercise, mutant.source, settings), names)
        if not result.caught:
            problems.append(f"mutant {mutant.name!r} ({mutant.note}) was not caught: it scored full marks")
        elif mutant.caught_by and result.missed_declared:
            others = ", ".join(result.failed_checks) or "no check (its cell raised)"
            problems.append(f"mutant {mutant.name!r} ({mutant.note}): {result.describe_missed()} named in its "
                            f"`# caught-by:` did not catch it; it was caught only by {others}")
        results.append(result)
    return ExerciseValidation(exercise, reference, tuple(results), tuple(problems), tuple(scores), tuple(checks),
                              tuple(requirements))


def _reference_problems(reference: Report, when: str) -> list[str]:
    if reference.cell_error is not None:
        return [f"the reference solution raised {reference.cell_error.describe()}{when}"]
    if reference.passed:
        return []
    lost = "; ".join(f"{c.id} ({c.status}: {c.message.splitlines()[0] if c.message else ''})"
                     for c in reference.checks if c.status != "pass")
    return [f"the reference solution scored {reference.score:g}/{reference.max_score:g}{when}; lost: {lost}"]
