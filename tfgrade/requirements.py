"""The requirement table of an exercise's README.md: each requirement of the prompt, its checks, its mutants.

Format (shared with the catalog's authors)::

    ## Requirements

    | Requirement | Check | Mutant |
    |---|---|---|
    | `scale` returns a float32 tensor | `check_returns_float32` | `returns_float64` |
    | the mean of each column is zero  | `check_columns_centred`, `check_hidden_shapes` | — |

Check = check function names in backticks; an empty cell or ``—`` there is a requirement no
check covers (a gap: ``tfgrade validate`` fails). Mutant = mutant file stems; ``—`` = none yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .lint import Problem

__all__ = ["Requirement", "read_requirements", "HEADER"]

HEADER = ("Requirement", "Check", "Mutant")
_NONE = {"", "—", "-", "–"}
_NAME = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Requirement:
    text: str
    checks: tuple[str, ...]
    mutants: tuple[str, ...]
    line: int


def _cells(line: str) -> list[str]:
    """A row's cells: split on `|` outside code spans and not escaped as `\\|`."""
    cells, current, in_code, previous = [], "", False, ""
    for char in line.strip().removeprefix("|").removesuffix("|"):
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code and previous != "\\":
            cells.append(current.strip())
            current = ""
        else:
            current += char
        previous = char
    return [*cells, current.strip()]


def _names(cell: str) -> tuple[str, ...]:
    if cell in _NONE:
        return ()
    return tuple(_NAME.findall(cell)) or tuple(n.strip() for n in cell.split(",") if n.strip())


def read_requirements(readme: Path, check_names: set[str], mutant_names: set[str]) -> tuple[list[Requirement], list[Problem]]:
    """The table's rows, and what is wrong: no README/section/table, a gap, a name that does not exist."""
    example = ("a `## Requirements` section holding one table `| Requirement | Check | Mutant |`, one row per "
               "requirement of the prompt (`tfgrade new` writes an example)")
    if not readme.is_file():
        return [], [Problem(readme, None, f"missing: add a README.md with {example}")]
    lines = readme.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().lower() == "## requirements"), None)
    if start is None:
        return [], [Problem(readme, None, f"no `## Requirements` section: add {example}")]
    body = []
    for number in range(start + 1, len(lines)):
        if lines[number].startswith("## "):
            break
        if lines[number].lstrip().startswith("|"):
            body.append((number + 1, lines[number]))
    if not body or tuple(_cells(body[0][1])) != HEADER:
        where = body[0][0] if body else start + 1
        return [], [Problem(readme, where, f"the section's table must have the header | {' | '.join(HEADER)} |")]
    requirements: list[Requirement] = []
    problems: list[Problem] = []
    for number, line in body[2:] if len(body) > 1 and set(body[1][1].replace("|", "").strip()) <= set("-: ") else body[1:]:
        cells = _cells(line)
        if len(cells) > 3:      # a stray `|` in the requirement's words: Check and Mutant are the last two cells
            cells = [" | ".join(cells[:-2]), *cells[-2:]]
        if len(cells) != 3:
            problems.append(Problem(readme, number, "a row needs three cells: | requirement | `check_...` | `mutant` |"))
            continue
        row = Requirement(cells[0], _names(cells[1]), _names(cells[2]), number)
        requirements.append(row)
        if not row.checks:
            problems.append(Problem(readme, number, f"requirement not checked: {row.text!r}; write a check for it and "
                                    "name it in the Check column"))
        for name in row.checks:
            if name not in check_names:
                problems.append(Problem(readme, number, f"`{name}` is no check function of this exercise"))
        for name in row.mutants:
            if name not in mutant_names:
                problems.append(Problem(readme, number, f"`{name}` is no file in mutants/ (write the stem, e.g. `{next(iter(sorted(mutant_names)), 'wrong_axis')}`)"))
    if not requirements:
        problems.append(Problem(readme, start + 1, "the requirement table has no rows: one per requirement of the prompt"))
    return requirements, problems
