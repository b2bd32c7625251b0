"""The ``tfgrade`` command: a thin layer that delegates to the library.

Exit codes:
  0  success (validate: every exercise proven; grade: every notebook graded)
  1  validate found a violation, or grade could not fully grade some submission (see its status)
  2  usage error (bad arguments, a path that does not exist)
  3  unknown exercise (also in grade --exercises) or invalid exercise folder
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

__all__ = ["main", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "EXIT_INPUT"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INPUT = 0, 1, 2, 3


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _cmd_list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from .catalog import broken_exercises, list_exercises

    table = Table("id", "short", "title", "checks file", title="tfgrade exercises")
    for ex in list_exercises():
        table.add_row(ex.id, ex.short_id, ex.title, "checks.py" + (" + hidden" if ex.hidden_checks_path else ""))
    console = _console()
    console.print(table)
    for problem in broken_exercises():
        console.print(f"[red]broken:[/red] {problem}")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    from rich.markdown import Markdown

    from .catalog import get_exercise

    ex = get_exercise(args.exercise)
    _console().print(Markdown(f"# {ex.title} ({ex.short_id})\n\n{ex.prompt}"))
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from rich.table import Table

    from .catalog import broken_exercises, get_exercise, list_exercises
    from .validate import validate_exercise

    exercises = [get_exercise(i) for i in args.exercises] or list_exercises()
    console = _console()
    table = Table("exercise", "reference", "mutants caught", "problems", title="tfgrade validate")
    failed = False
    summary = []
    with console.status("validating...") as status:
        for ex in exercises:
            result = validate_exercise(ex, on_step=lambda s: status.update(f"validating {s}"))
            caught = sum(m.caught for m in result.mutants)
            ref = result.reference
            table.add_row(
                ex.id, f"{ref.score:g}/{ref.max_score:g}", f"{caught}/{len(result.mutants)}",
                "\n".join(result.problems) or "[green]ok[/green]",
            )
            failed |= not result.ok
            summary.append({
                "exercise": ex.id, "ok": result.ok, "reference": [ref.score, ref.max_score],
                "mutants": {m.mutant.name: {"caught": m.caught, "lost": m.lost_checks} for m in result.mutants},
                "problems": list(result.problems),
            })
    if not args.exercises:
        for problem in broken_exercises():
            table.add_row(Path(str(problem.path)).name, "-", "-", f"[red]{problem}[/red]")
            failed = True
    console.print(table)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return EXIT_FAILED if failed else EXIT_OK


def _cmd_workbook(args: argparse.Namespace) -> int:
    from .workbook import write_workbook

    path = write_workbook(Path(args.output), args.exercises, solutions=args.solutions)
    _console().print(f"wrote {path}")
    return EXIT_OK


def _cmd_grade(args: argparse.Namespace) -> int:
    from .batch import BatchOptions, BatchProgress, BatchUsageError, grade_batch, parse_memory
    from .batch.discovery import find_submissions

    err = _console(stderr=True)
    try:
        memory = parse_memory(args.memory)
        if args.jobs < 1:
            raise ValueError(f"--jobs must be at least 1, not {args.jobs}")
        if args.timeout <= 0:
            raise ValueError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
        total = len(find_submissions(args.paths))
    except (ValueError, BatchUsageError) as exc:
        err.print(f"tfgrade grade: {exc}", markup=False)
        return EXIT_USAGE
    options = BatchOptions(out=Path(args.out), jobs=args.jobs, timeout=args.timeout, memory=memory,
                           include_hidden=args.hidden, exercises=tuple(args.exercises or ()), force=args.force,
                           scheduler=args.scheduler)
    try:
        results = grade_batch(args.paths, options, progress=BatchProgress(total))
    except BatchUsageError as exc:
        err.print(f"tfgrade grade: {exc}", markup=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print(f"tfgrade grade: interrupted; what was graded is in {args.out} (run again to resume)")
        return 130
    _print_grades(results)
    graded = sum(r.ok for r in results)
    _console().print(f"{graded}/{len(results)} submission(s) fully graded; results in {args.out}"
                     f" ({args.out}/grades.csv)", markup=False)
    return EXIT_OK if graded == len(results) else EXIT_FAILED


_TABLE_ROWS = 60    # beyond this, grades.csv is the place to read them


def _print_grades(results: Sequence[Any]) -> None:
    """One submission: its reports check by check; a few: a table of rows; a class: nothing here."""
    from rich.table import Table

    from .render.text import render_text
    from .report import Report

    console = _console()
    if len(results) == 1:
        for row in results[0].rows:
            if row.report is not None:
                console.print(render_text(Report.from_dict(row.report)), markup=False)
            else:
                console.print(f"{row.exercise or '-'}: {row.status}: {row.reason}", markup=False)
        console.print(f"Total: {results[0].score:g} / {results[0].max_score:g}", markup=False)
        return
    rows = [(r, row) for r in results for row in r.rows]
    if len(rows) > _TABLE_ROWS:
        return
    table = Table("submission", "exercise", "score", "status", "reason")
    for result, row in rows:
        table.add_row(result.submission, row.exercise, f"{row.score:g}/{row.max_score:g}", row.status, row.reason)
    console.print(table)


def _cmd_gradescope(args: argparse.Namespace) -> int:
    from .gradescope import build_autograder

    path = build_autograder(args.exercises, Path(args.output), include_hidden=not args.no_hidden,
                            timeout=args.timeout)
    _console().print(f"wrote {path}", markup=False)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfgrade", description="Grade TensorFlow/Keras exercises.",
        epilog=__doc__.split("Exit codes:", 1)[1].join(["Exit codes:", ""]) if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the exercises").set_defaults(run=_cmd_list)
    show = sub.add_parser("show", help="print an exercise's prompt")
    show.add_argument("exercise")
    show.set_defaults(run=_cmd_show)
    val = sub.add_parser("validate", help="prove that references pass and mutants are caught")
    val.add_argument("exercises", nargs="*", help="ids (default: all)")
    val.add_argument("--json", help="also write the results as JSON to this file")
    val.set_defaults(run=_cmd_validate)
    wb = sub.add_parser("workbook", help="write the learner workbook notebook")
    wb.add_argument("exercises", nargs="*", help="ids (default: all)")
    wb.add_argument("-o", "--output", default="chapter12.ipynb")
    wb.add_argument("--solutions", action="store_true", help="fill in the reference solutions")
    wb.set_defaults(run=_cmd_workbook)
    gr = sub.add_parser("grade", help="grade a class's notebooks, isolated, into a results folder")
    gr.add_argument("paths", nargs="+", metavar="SUBMISSIONS", help="notebooks or folders of notebooks")
    gr.add_argument("--out", required=True, metavar="DIR",
                    help="results folder: grades.csv and one JSON per submission")
    gr.add_argument("-j", "--jobs", type=int, default=max(1, os.cpu_count() or 1),
                    help="submissions graded at once (default: the number of CPUs)")
    gr.add_argument("--timeout", type=float, default=900, help="seconds one submission may run in all (default 900)")
    gr.add_argument("--memory", default="4G", help="resident memory one submission may use (default 4G)")
    gr.add_argument("--hidden", action="store_true", help="also run hidden checks")
    gr.add_argument("--exercises", nargs="+", metavar="ID", help="grade these exercises in every notebook "
                    "(default: those of its %%%%tfcheck cells)")
    gr.add_argument("--force", action="store_true", help="regrade submissions whose stored result is still valid")
    gr.add_argument("--scheduler", metavar="ADDRESS", help="grade on this dask.distributed cluster")
    gr.set_defaults(run=_cmd_grade)
    gs = sub.add_parser("gradescope", help="build a Gradescope autograder for these exercises")
    gs.add_argument("exercises", nargs="+", metavar="ID")
    gs.add_argument("-o", "--output", default="autograder.zip")
    gs.add_argument("--no-hidden", action="store_true", help="leave hidden checks out of the autograder")
    gs.add_argument("--timeout", type=float, default=900, help="seconds a submission may run (default 900)")
    gs.set_defaults(run=_cmd_gradescope)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import SpecError, UnknownExerciseError

    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (UnknownExerciseError, SpecError) as exc:
        _console(stderr=True).print(f"tfgrade: {exc}", markup=False)
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
