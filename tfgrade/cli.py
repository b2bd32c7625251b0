"""The ``tfgrade`` command: a thin layer that delegates to the library.

Exit codes:
  0  success (validate: every exercise proven; grade: every notebook graded)
  1  validate found a violation, or grade could not fully grade some submission (see its status)
  2  usage error (bad arguments, a bad setting in tfgrade.toml or TFGRADE_*, `new` over an existing folder,
     a path to grade that does not exist, an unreachable Dask scheduler)
  3  unknown exercise (also in grade --exercises) or invalid exercise folder (list/validate: some folder of
     the catalog is broken)
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


def _settings(args: argparse.Namespace):
    return args.settings


def _cmd_list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from .catalog import load_catalog

    catalog = load_catalog(_settings(args))
    table = Table("id", "short", "title", "checks file", title="tfgrade exercises")
    for ex in catalog.exercises:
        table.add_row(ex.id, ex.short_id, ex.title, "checks.py" + (" + hidden" if ex.hidden_checks_path else ""))
    console = _console()
    console.print(table)
    for problem in catalog.broken:
        console.print(f"[red]broken:[/red] {problem.error}")
    return EXIT_INPUT if catalog.broken else EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markdown import Markdown

    from .catalog import get_exercise
    from .overview import overview_markdown

    text = overview_markdown(get_exercise(args.exercise, settings=_settings(args)))
    # Wrapped (not soft-wrapped) to the terminal, at most 100 columns: list items keep their indent.
    Console(highlight=False, width=min(Console().width, 100)).print(Markdown(text))
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from .catalog import load_catalog
    from .validate import validate_exercise
    from .validate_report import print_validation, validation_to_dict

    settings = _settings(args).updated(include_hidden=True)
    catalog = load_catalog(settings)
    exercises = [catalog.find(i) for i in args.exercises] or list(catalog.exercises)
    console = _console(stderr=args.json == "-")
    summary, failed = [], False
    for ex in exercises:
        with console.status(f"validating {ex.short_id}...") as status:
            result = validate_exercise(ex, settings, on_step=lambda s: status.update(f"validating {s}"), seeds=args.seeds)
        print_validation(console, result, diff=args.diff)
        failed |= not result.ok
        summary.append(validation_to_dict(result, diff=args.diff))
    broken = [] if args.exercises else list(catalog.broken)
    for problem in broken:
        console.print(f"broken: {problem.error}", style="red", markup=False)
        summary.append({"exercise": problem.folder.name, "ok": False, "broken": True, "problems": [str(problem.error)]})
    if args.json == "-":
        print(json.dumps(summary, indent=2))
    elif args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return EXIT_INPUT if broken else EXIT_FAILED if failed else EXIT_OK


def _cmd_workbook(args: argparse.Namespace) -> int:
    from .workbook import write_workbook

    path = write_workbook(Path(args.output), args.exercises, solutions=args.solutions, settings=_settings(args))
    _console().print(f"wrote {path}")
    return EXIT_OK


def _cmd_assign(args: argparse.Namespace) -> int:
    from .nbgrader import write_source_notebook
    from .nbgrader.assignment import timeout_note

    if not args.nbgrader.endswith(".ipynb"):
        _console(stderr=True).print(f"tfgrade assign: --nbgrader {args.nbgrader}: give a notebook path ending in .ipynb",
                                    markup=False)
        return EXIT_USAGE
    path = write_source_notebook(Path(args.nbgrader), args.exercises, settings=_settings(args))
    _console().print(f"wrote the nbgrader source notebook {path}; put it in source/<assignment>/ "
                     "and run `nbgrader generate_assignment <assignment>`", markup=False)
    note = timeout_note(args.exercises, settings=_settings(args))
    if note:
        _console().print(note, markup=False)
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    from .catalog import load_catalog
    from .scaffold import scaffold_exercise

    catalog = load_catalog(_settings(args))
    taken = {name: ex.folder for ex in catalog.exercises for name in (ex.id, ex.short_id)}
    folder = scaffold_exercise(args.id, Path(args.dir), taken)
    _console().print(f"wrote {folder}; edit its files (each says what it is for), then check it with\n"
                     f"  TFGRADE_EXERCISES={folder.parent} tfgrade validate {args.id}", markup=False)
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
                           scheduler=args.scheduler, time_scale=_settings(args).time_scale)
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


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfgrade", description="Grade TensorFlow/Keras exercises.",
        epilog=__doc__.split("Exit codes:", 1)[1].join(["Exit codes:", ""]) if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the exercises").set_defaults(run=_cmd_list)
    show = sub.add_parser("show", help="print an exercise's prompt, points and check titles")
    show.add_argument("exercise")
    show.set_defaults(run=_cmd_show)
    val = sub.add_parser("validate", help="prove that references pass and mutants are caught")
    val.add_argument("exercises", nargs="*", help="ids (default: all)")
    val.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE (- for stdout)")
    val.add_argument("--diff", action="store_true", help="show each mutant's unified diff against the solution")
    val.add_argument("--seeds", type=_positive_int, default=3, help="seeds the reference must pass with (default 3)")
    val.set_defaults(run=_cmd_validate)
    new = sub.add_parser("new", help="write a complete example exercise folder to start from")
    new.add_argument("id", help="the exercise id, e.g. c01-scaling (its short id is the part before the first '-')")
    new.add_argument("--dir", default=".", help="the course folder to write it in (default: the working folder)")
    new.set_defaults(run=_cmd_new)
    wb = sub.add_parser("workbook", help="write the learner workbook notebook")
    wb.add_argument("exercises", nargs="*", help="ids (default: all)")
    wb.add_argument("-o", "--output", default="chapter12.ipynb")
    wb.add_argument("--solutions", action="store_true", help="fill in the reference solutions")
    wb.set_defaults(run=_cmd_workbook)
    asg = sub.add_parser("assign", help="write an nbgrader source notebook for some exercises")
    asg.add_argument("exercises", nargs="+", help="exercise ids, in the order of the assignment")
    asg.add_argument("--nbgrader", required=True, metavar="OUT.ipynb", help="the source notebook to write")
    asg.set_defaults(run=_cmd_assign)
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
    from .config import SettingsError, load_settings
    from .errors import SpecError, UnknownExerciseError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.settings = load_settings()
    except SettingsError as exc:
        parser.exit(EXIT_USAGE, f"tfgrade: error: {exc}\n")
    try:
        return int(args.run(args))
    except UnknownExerciseError as exc:
        hint = f" Did you mean {', '.join(repr(s) for s in exc.suggestions)}?" if exc.suggestions else ""
        _console(stderr=True).print(f"tfgrade: no exercise called {exc.requested!r}.{hint} `tfgrade list` shows "
                                    f"them all: {', '.join(exc.known)}.", markup=False)
        return EXIT_INPUT
    except SpecError as exc:
        _console(stderr=True).print(f"tfgrade: {exc}", markup=False)
        return EXIT_INPUT
    except SettingsError as exc:
        _console(stderr=True).print(f"tfgrade: error: {exc}", markup=False)
        return EXIT_USAGE
    except (FileExistsError, ValueError) as exc:     # `new` with a bad id or an existing folder
        _console(stderr=True).print(f"tfgrade: error: {exc}", markup=False)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
