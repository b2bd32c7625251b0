"""Every exercise (ex13 aside: it has its own tests) states its requirements in README.md, each
with a check that exists, and lists every mutant on a row whose checks its header names."""

from __future__ import annotations

import ast

import pytest

from tfgrade.requirements import read_requirements

from ..exercise_harness import EXERCISES, caught_by, exercise

FOLDERS = sorted(p.name for p in EXERCISES.iterdir() if (p / "exercise.toml").is_file() and p.name != "ex13-training-loop")


def _check_functions(folder: str) -> set[str]:
    names = set()
    for module in ("checks.py", "hidden_checks.py"):
        path = EXERCISES / folder / module
        if path.is_file():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("check_")}
    return names


def _requirements(folder: str):
    mutants = {m.name for m in exercise(folder).mutants}
    rows, problems = read_requirements(EXERCISES / folder / "README.md", _check_functions(folder), mutants)
    assert not problems, "\n".join(map(str, problems))
    return rows


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_requirement_has_an_existing_check(folder):
    assert _requirements(folder)


@pytest.mark.parametrize("folder", FOLDERS)
def test_table_mutants_are_declared_caught_by_their_row(folder):
    mutants = {m.name: m for m in exercise(folder).mutants}
    listed = set()
    for row in _requirements(folder):
        for name in row.mutants:
            assert set(caught_by(mutants[name])) & set(row.checks), (
                f"{folder}: mutant {name!r} is listed for {row.text!r} but its header names {caught_by(mutants[name])}"
            )
            listed.add(name)
    assert set(mutants) <= listed, f"{folder}: mutants missing from the table: {sorted(set(mutants) - listed)}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_declared_checks_exist(folder):
    functions = _check_functions(folder)
    for mutant in exercise(folder).mutants:
        unknown = set(caught_by(mutant)) - functions
        assert not unknown, f"{folder}/{mutant.name}: the header names unknown checks {sorted(unknown)}"


def test_every_exercise_is_graded_by_one_per_exercise_test_module():
    from . import test_exercises_ex12, test_exercises_q02_q06, test_exercises_q07_q11

    grouped = [*test_exercises_q02_q06.FOLDERS, *test_exercises_q07_q11.FOLDERS, *test_exercises_ex12.FOLDERS]
    assert sorted(grouped) == FOLDERS, "add the new exercise's folder to one test_exercises_*.py module"
