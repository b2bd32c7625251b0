"""What tfgrade adds to an nbgrader course: ``nbgrader autograde`` of N submissions, timed twice.

- baseline: the assignment with tfgrade taken out. Its grade cells only re-run the reference
  solution and end with the cell's points; no ``%load_ext``, no ``%%tfanswer`` (only tfgrade's
  offline Fashion-MNIST fallback is installed, so that ex13 trains on the same data). This is
  nbgrader's own cost (kernel start, TensorFlow import, the learner's cells). With
  ``--baseline points`` the grade cells only end with their points and re-run nothing: the
  cheapest grade cell nbgrader can have, so the ratio against it is an upper bound (it matters
  for ex13, whose reference trains a model: re-running it doubles the baseline's training).
- tfgrade: the same assignment as ``tfgrade assign`` writes it (answer cells under probes, grade
  cells that load tfgrade afresh and run the checks, visible and hidden).

Both get the same N full-solution submissions. Each is autograded ``--rounds`` times, the two
alternating; the fastest run of each counts. Prints the times and their ratio (target: tfgrade
adds less than 10%, ratio < 1.10).

By default the assignment is the chapter's two coding exercises (ex12 and ex13, what a course
assigns from it) against the ``points`` baseline. A light assignment, where the fixed cost of
each grade cell weighs most:

    .venv/bin/python benchmarks/nbgrader_overhead.py --students 6 --exercises q03 ex12 --baseline rerun
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tfgrade.catalog import get_exercise  # noqa: E402
from tfgrade.nbgrader import build_source_notebook  # noqa: E402

BIN = Path(sys.executable).parent
REPORT_MIME = "application/vnd.tfgrade.report+json"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _nbgrader(root: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=root, env=_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def _grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def _exercise_of(grade_id: str, exercises) -> object | None:
    return next((e for e in exercises if grade_id.startswith(e.id + "-")), None)


def _without_tfgrade(notebook, exercises, rerun: bool = True):
    """The baseline: grade cells re-run the reference (or, ``rerun=False``, nothing) and end with their points."""
    for cell in notebook.cells:
        grade_id, exercise = _grade_id(cell), _exercise_of(_grade_id(cell), exercises)
        if grade_id == "tfgrade-load":
            # No grading, no probes; only the offline Fashion-MNIST fallback, so both arms train on the same data.
            cell.source = "from tfgrade.datasets.keras_hook import install_offline_fallback\ninstall_offline_fallback();"
        elif grade_id.endswith("-answer"):
            cell.source = cell.source.split("\n", 1)[1]
        elif cell.metadata["nbgrader"].get("grade"):
            points = cell.metadata["nbgrader"]["points"]
            cell.source = f"{exercise.solution_source}\n{points}" if rerun else f"{points}"
    return notebook


def _course(root: Path, ids: list[str], students: int, baseline: str | None) -> Path:
    """A course folder with ``students`` full-solution submissions; ``baseline``: None (tfgrade),
    "rerun" or "points" (tfgrade taken out, see the module's docstring)."""
    exercises = [get_exercise(i) for i in ids]
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(root)!r}\nc.ExecutePreprocessor.timeout = 600\n"
        "c.Execute.timeout = 600\n")
    source = build_source_notebook(ids)
    if baseline:
        source = _without_tfgrade(source, exercises, rerun=baseline == "rerun")
    (root / "source" / "ps1").mkdir(parents=True)
    nbformat.write(source, str(root / "source" / "ps1" / "ps1.ipynb"))
    _nbgrader(root, "generate_assignment", "ps1", "--force")
    released = nbformat.read(str(root / "release" / "ps1" / "ps1.ipynb"), as_version=4)
    for cell in released.cells:
        exercise = _exercise_of(_grade_id(cell), exercises)
        if _grade_id(cell).endswith("-answer"):
            first = cell.source.split("\n", 1)[0]
            cell.source = (first + "\n" if first.startswith("%%tfanswer") else "") + exercise.solution_source
    for n in range(students):
        folder = root / "submitted" / f"student{n:02d}" / "ps1"
        folder.mkdir(parents=True)
        nbformat.write(released, str(folder / "ps1.ipynb"))
    return root


def _checks_seconds(root: Path) -> float:
    """Seconds the checks ran in all autograded grade cells, from the Reports they show."""
    total = 0.0
    for path in (root / "autograded").rglob("*.ipynb"):
        for cell in nbformat.read(str(path), as_version=4).cells:
            for output in cell.get("outputs", []):
                report = output.get("data", {}).get(REPORT_MIME)
                if report and cell.metadata.get("nbgrader", {}).get("grade"):
                    total += float(report.get("timings", {}).get("checks", 0.0))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=3)
    parser.add_argument("--exercises", nargs="+", default=["ex12", "ex13"])
    parser.add_argument("--rounds", type=int, default=2,
                        help="autograde each variant this many times, alternating which goes first; the fastest run "
                             "of each counts (a shared machine's noise only ever adds time)")
    parser.add_argument("--baseline", choices=("rerun", "points"), default="points",
                        help="what the baseline's grade cells do: only end with their points (default), or re-run "
                             "the reference first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tfgrade-nbgrader-bench-") as tmp:
        roots = {variant: _course(Path(tmp) / variant, args.exercises, args.students,
                                  baseline=args.baseline if variant == "baseline" else None)
                 for variant in ("baseline", "tfgrade")}
        runs: dict[str, list[tuple[float, float]]] = {"baseline": [], "tfgrade": []}
        for round_ in range(max(1, args.rounds)):
            order = ("baseline", "tfgrade") if round_ % 2 == 0 else ("tfgrade", "baseline")
            for variant in order:
                seconds = _nbgrader(roots[variant], "autograde", "ps1", "--force")
                checks = _checks_seconds(roots[variant]) if variant == "tfgrade" else 0.0
                runs[variant].append((seconds, checks))
                print(f"round {round_ + 1} {variant:>8}: nbgrader autograde of {args.students} submission(s) "
                      f"({' + '.join(args.exercises)}): {seconds:.1f} s", flush=True)
    baseline = min(runs["baseline"])[0]
    tfgrade, checks = min(runs["tfgrade"])
    ratio = tfgrade / baseline
    print(f"fastest of {len(runs['baseline'])}: baseline ({args.baseline}) {baseline:.1f} s, tfgrade {tfgrade:.1f} s")
    print(f"ratio tfgrade / baseline: {ratio:.3f}  (tfgrade adds {100 * (ratio - 1):+.1f}%; target < +10%)")
    # What the exercises' own checks cost (their Reports' timings), and what is left: loading
    # tfgrade afresh, the probes, the tamper checks, keeping stderr out.
    rest = (tfgrade - checks) / baseline
    print(f"of which the checks themselves ran {checks:.1f} s; without them: ratio {rest:.3f} "
          f"({100 * (rest - 1):+.1f}%)")


if __name__ == "__main__":
    main()
