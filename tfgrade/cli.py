"""The ``tfgrade`` command: a thin layer that delegates to the library.

Exit codes:
  0  success (validate: every exercise proven; grade: every notebook graded)
  1  validate found a violation, or grade could not grade some notebook (unreadable, crashed, timed out)
  2  usage error (bad arguments, a bad setting in tfgrade.toml or TFGRADE_*, `new` over an existing folder)
  3  unknown exercise or invalid exercise folder (list/validate: some folder of the catalog is broken)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

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

    if not args.nbgrader.endswith(".ipynb"):
        _console(stderr=True).print(f"tfgrade assign: --nbgrader {args.nbgrader}: give a notebook path ending in .ipynb",
                                    markup=False)
        return EXIT_USAGE
    path = write_source_notebook(Path(args.nbgrader), args.exercises, settings=_settings(args))
    _console().print(f"wrote the nbgrader source notebook {path}; put it in source/<assignment>/ "
                     "and run `nbgrader generate_assignment <assignment>`")
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


def _expand(paths: Sequence[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        found.extend(sorted(path.rglob("*.ipynb")) if path.is_dir() else [path])
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def _cmd_grade(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from .batch import grade_notebooks
    from .render.text import render_text

    paths = _expand(args.paths)
    if not paths:
        _console(stderr=True).print("No notebooks found under " + ", ".join(args.paths))
        return EXIT_USAGE
    console = _console()
    with Progress(console=_console(stderr=True), transient=True) as progress:
        task = progress.add_task(f"grading {len(paths)} notebook(s)", total=len(paths))
        results = grade_notebooks(paths, jobs=args.jobs, timeout=args.timeout, include_hidden=args.hidden,
                                  on_done=lambda r: progress.advance(task))
    bad = False
    for result in results:
        console.rule(f"{result.path}")
        if result.status != "ok":
            bad = True
            console.print(f"[red]{result.status}[/red]: {result.problem}")
        for report in result.reports:
            console.print(render_text(report), markup=False)
        for name in result.missing:
            console.print(f"  {name}: no report (the cell never finished)", markup=False)
        for error in result.cell_errors:
            console.print(f"  [yellow]ordinary cell raised[/yellow] {error}")
        if result.reports:
            console.print(f"[bold]Total: {result.score:g} / {result.max_score:g}[/bold]  ({result.duration:.1f} s)")
        if args.output_dir and result.executed is not None:
            import nbformat

            out = Path(args.output_dir) / Path(result.path).name
            out.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(result.executed, str(out))
    if args.json:
        payload = [{"notebook": r.path, "status": r.status, "problem": r.problem, "score": r.score,
                    "max_score": r.max_score, "missing": list(r.missing),
                    "reports": [rep.to_dict() for rep in r.reports]} for r in results]
        Path(args.json).write_text(json.dumps(payload, indent=2))
    if args.csv:
        import csv

        with open(args.csv, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["notebook", "exercise", "score", "max_score", "status"])
            for r in results:
                for rep in r.reports:
                    writer.writerow([r.path, rep.exercise, rep.score, rep.max_score, r.status])
    return EXIT_FAILED if bad else EXIT_OK


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
    gr = sub.add_parser("grade", help="run notebooks in fresh kernels and report their scores")
    gr.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    gr.add_argument("-j", "--jobs", type=int, default=1, help="kernels at once (default 1)")
    gr.add_argument("--timeout", type=float, default=900, help="seconds a cell may run (default 900)")
    gr.add_argument("--hidden", action="store_true", help="also run hidden checks")
    gr.add_argument("--json", help="write all reports as JSON to this file")
    gr.add_argument("--csv", help="write notebook,exercise,score,max_score,status rows to this file")
    gr.add_argument("--output-dir", help="save the executed notebooks (with their result cards) here")
    gr.set_defaults(run=_cmd_grade)
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
