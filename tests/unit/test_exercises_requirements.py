"""Every exercise (ex13 aside: its own tests) states its requirements in README.md, each with a
check that exists and mutants whose headers name that check; every mutant appears in the table."""

from __future__ import annotations

import ast
import re

import pytest

from ..exercise_harness import EXERCISES, caught_by, exercise

FOLDERS = sorted(p.name for p in EXERCISES.iterdir() if (p / "exercise.toml").is_file() and p.name != "ex13-training-loop")
HEADER = "| Requirement | Check | Mutant |"


def _rows(folder: str) -> list[tuple[str, list[str], list[str]]]:
    text = (EXERCISES / folder / "README.md").read_text(encoding="utf-8")
    section = text.split("## Requirements", 1)[1]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    assert lines and lines[0].strip() == HEADER, f"{folder}: the table must start with {HEADER!r}"
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        requirement, check, mutant = cells[0], cells[-2], cells[-1]
        rows.append((requirement, re.findall(r"`([^`]+)`", check), re.findall(r"`([^`]+)`", mutant)))
    return rows


def _check_functions(folder: str) -> set[str]:
    names = set()
    for module in ("checks.py", "hidden_checks.py"):
        path = EXERCISES / folder / module
        if path.is_file():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("check_")}
    return names


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_requirement_has_an_existing_check(folder):
    functions = _check_functions(folder)
    for requirement, checks, _ in _rows(folder):
        assert checks, f"{folder}: no check for {requirement!r}"
        assert set(checks) <= functions, f"{folder}: {sorted(set(checks) - functions)} are not check functions"


@pytest.mark.parametrize("folder", FOLDERS)
def test_table_mutants_are_declared_caught_by_their_row(folder):
    mutants = {m.name: m for m in exercise(folder).mutants}
    listed = set()
    for requirement, checks, names in _rows(folder):
        for name in names:
            assert name in mutants, f"{folder}: the table names a mutant {name!r} that does not exist"
            assert set(caught_by(mutants[name])) & set(checks), (
                f"{folder}: mutant {name!r} is listed for {requirement!r} but its header names {caught_by(mutants[name])}"
            )
            listed.add(name)
    assert set(mutants) <= listed, f"{folder}: mutants missing from the table: {sorted(set(mutants) - listed)}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_declared_checks_exist(folder):
    functions = _check_functions(folder)
    for mutant in exercise(folder).mutants:
        unknown = set(caught_by(mutant)) - functions
        assert not unknown, f"{folder}/{mutant.name}: the header names unknown checks {sorted(unknown)}"
