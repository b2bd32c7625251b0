"""Shared by the per-exercise tests: grade a reference, a mutant or a variant, and judge the verdict.

A mutant's header names the check(s) that must catch it (``# caught-by: check_a, check_b``);
the tests read those headers from the catalog instead of keeping their own tables. A check
"catches" a mutant only by failing (or by the learner's code raising inside it); a check that
crashed on its own, a skip, or a harness error is not a catch.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import tfgrade
from tfgrade.config import load_settings
from tfgrade.report import CheckResult
from tfgrade.spec import Exercise, Mutant, load_exercise
from tfgrade.validate import grade_source

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"
VARIANTS = Path(__file__).resolve().parent / "unit" / "variants"
# Seeds the reference and the correct variants must pass with (the exercise's own seed comes first).
SEEDS = (None, 1, 7, 2024, 31337)


@lru_cache(maxsize=None)
def exercise(folder: str) -> Exercise:
    return load_exercise(EXERCISES / folder)


def caught_by(mutant: Mutant) -> tuple[str, ...]:
    """The check function names a mutant's header says must catch it."""
    assert mutant.caught_by, f"{mutant.path}: no `# caught-by: check_name` line in the header"
    return mutant.caught_by


def mutant_cases(folders: list[str]) -> list[tuple[str, str]]:
    return [(f, m.name) for f in folders for m in exercise(f).mutants]


def variant_files(folder: str, kind: str) -> list[Path]:
    """Independent solutions kept as test data: ``variants/<short_id>/{correct,wrong}/*.py``."""
    root = VARIANTS / exercise(folder).short_id / kind
    return sorted(root.glob("*.py")) if root.is_dir() else []


def variant_cases(folders: list[str], kind: str) -> list[tuple[str, str]]:
    return [(f, p.stem) for f in folders for p in variant_files(f, kind)]


def source_of(folder: str, variant: str) -> str:
    """``variant`` is "solution", "starter", "mutant:<name>", "correct:<name>" or "wrong:<name>"."""
    ex = exercise(folder)
    if variant == "solution":
        return ex.solution_source
    if variant == "starter":
        return (EXERCISES / folder / "starter.py").read_text(encoding="utf-8")
    kind, _, name = variant.partition(":")
    if kind == "mutant":
        return next(m.source for m in ex.mutants if m.name == name)
    return (VARIANTS / ex.short_id / kind / f"{name}.py").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def grade(folder: str, variant: str, seed: int | None = None) -> tfgrade.Report:
    """Grade with hidden checks included, under the exercise's seed or ``seed``."""
    settings = dataclasses.replace(load_settings(include_hidden=True), seed=seed)
    return grade_source(exercise(folder), source_of(folder, variant), settings)


def lost_checks(report: tfgrade.Report) -> dict[str, str]:
    return {c.id: f"{c.status}: {c.message}" for c in report.checks if c.status != "pass"}


def assert_full_marks(report: tfgrade.Report, *, needs_checks: bool = False) -> None:
    assert report.cell_error is None, report.cell_error
    if needs_checks:
        assert report.checks, "no checks ran"
    assert report.score == report.max_score, lost_checks(report)


def assert_no_check_crashed(report: tfgrade.Report) -> None:
    """Every non-passing check failed for a reason it states; none broke on its own."""
    crashed = {c.id: c.message for c in report.checks if _crashed(c)}
    assert not crashed, f"checks that crashed on their own instead of judging: {crashed}"


def _crashed(check: CheckResult) -> bool:
    # An error raised outside the learner's frames is the check's (or tfgrade's) own failure.
    return check.status == "error" and not check.traceback and not check.timed_out


def assert_caught_as_declared(report: tfgrade.Report, mutant: str, declared: tuple[str, ...]) -> None:
    """Each declared check really catches the mutant: it failed, or the learner's code raised in it."""
    from tfgrade.pytest_plugin import check_id

    statuses = {c.id: c for c in report.checks}
    assert declared, f"{mutant}: the header names no check"
    assert report.score < report.max_score, f"{mutant} scored full marks"
    for name in declared:
        cid = check_id(name)
        assert cid in statuses, f"{mutant}: the header names {name}, but the checks are {sorted(statuses)}"
        result = statuses[cid]
        assert result.status != "pass", f"{mutant} passed {name}; it lost only {lost_checks(report)}"
        assert result.status != "skip", f"{mutant}: {name} was skipped, not failed: {result.message}"
        assert not _crashed(result), f"{mutant}: {name} crashed on its own instead of catching it: {result.message}"


def assert_caught(report: tfgrade.Report, name: str) -> None:
    """A wrong variant loses points for a reason some check states (not a crash of the checks)."""
    assert report.score < report.max_score, f"wrong variant {name} scored full marks"
    judged = [c for c in report.checks if c.status in ("fail", "error") and not _crashed(c)]
    assert judged or report.cell_error is not None, f"{name} lost points only through crashed checks: {lost_checks(report)}"

