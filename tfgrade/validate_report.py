"""What ``tfgrade validate`` prints: per exercise, the reference under each seed, each mutant and
the checks that caught it, untested checks, requirements, check run times, problems; as rich
tables on a terminal, plain text otherwise, or as JSON for CI."""

from __future__ import annotations

import difflib
from typing import Any

from .spec import Exercise, Mutant
from .validate import ExerciseValidation

__all__ = ["validation_to_dict", "print_validation", "mutant_diff"]


def _code(source: str) -> list[str]:
    """The lines after the leading comment block (a mutant's header, a note atop the solution)."""
    lines = source.splitlines(keepends=True)
    while lines and lines[0].lstrip().startswith("#"):
        lines = lines[1:]
    return lines


def mutant_diff(exercise: Exercise, mutant: Mutant) -> str:
    """Unified diff of ``mutant`` against the reference solution, leading comments left out."""
    return "".join(difflib.unified_diff(_code(exercise.solution_source), _code(mutant.source),
                                        fromfile="solution.py", tofile=f"mutants/{mutant.name}.py"))


def validation_to_dict(result: ExerciseValidation, *, diff: bool = False) -> dict[str, Any]:
    ref = result.reference
    mutants = {}
    for m in result.mutants:
        entry: dict[str, Any] = {"note": m.mutant.note, "caught": m.caught, "lost": m.lost_checks,
                                 "caught_by": m.failed_checks, "declared": list(m.mutant.caught_by),
                                 "missed_declared": m.missed_declared}
        if diff:
            entry["diff"] = mutant_diff(result.exercise, m.mutant)
        mutants[m.mutant.name] = entry
    return {
        "exercise": result.exercise.id,
        "version": result.exercise.version,
        "ok": result.ok,
        "reference": [ref.score, ref.max_score] if ref else None,
        "seeds": [{"seed": s, "score": score, "max_score": top} for s, score, top in result.seeds],
        "failing_on_reference": [{"check": c.id, "status": c.status, "message": c.message}
                                 for c in (ref.checks if ref else ()) if c.status != "pass"],
        "mutants": mutants,
        "untested_checks": result.untested_checks,
        "check_times": result.check_times,
        "requirements": [{"requirement": r.text, "checks": list(r.checks), "mutants": list(r.mutants)}
                         for r in result.requirements],
        "problems": list(result.problems),
    }


def print_validation(console: Any, result: ExerciseValidation, *, diff: bool = False) -> None:
    """Print one exercise's report; rich tables on a terminal, plain lines otherwise."""
    data = validation_to_dict(result, diff=diff)
    verdict = "ok" if result.ok else "FAILED"
    console.print(f"{result.exercise.id}: {verdict}", style=None if result.ok else "bold red", markup=False)
    if data["reference"]:
        seeds = ", ".join(f"seed {s['seed']}: {s['score']:g}/{s['max_score']:g}" for s in data["seeds"])
        console.print(f"  reference {data['reference'][0]:g}/{data['reference'][1]:g} ({seeds})", markup=False)
    for failing in data["failing_on_reference"]:
        console.print(f"  fails on the reference: {failing['check']} ({failing['status']}): {failing['message']}",
                      markup=False)
    rows = [(name, "yes" if m["caught"] else "NO", ", ".join(m["caught_by"]) or "-", ", ".join(m["declared"]) or "-")
            for name, m in data["mutants"].items()]
    _table(console, "mutants", ("mutant", "caught", "caught by", "caught-by header"), rows)
    times = [(name, f"{seconds:.3f} s") for name, seconds in data["check_times"].items()]
    _table(console, "checks on the reference", ("check", "time"), times)
    if data["untested_checks"]:
        console.print(f"  untested (no mutant trips them): {', '.join(data['untested_checks'])}", markup=False)
    reqs = [(r["requirement"], ", ".join(r["checks"]) or "NOT CHECKED", ", ".join(r["mutants"]) or "-")
            for r in data["requirements"]]
    _table(console, "requirements", ("requirement", "checks", "mutants"), reqs)
    for problem in data["problems"]:
        console.print(f"  problem: {problem}", markup=False)
    if diff:
        for name, m in data["mutants"].items():
            console.print(f"  --- {name}: {m['note']}", markup=False)
            console.print(m["diff"] or "  (identical to the solution)", markup=False, highlight=False)


def _table(console: Any, title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    if not rows:
        return
    if console.is_terminal:
        from rich.table import Table

        table = Table(*header, title=title, title_justify="left")
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    console.print(f"  {title}:", markup=False)
    for row in rows:
        console.print("    " + " | ".join(row), markup=False)
