"""How long grading exercise 13 takes with the reference solution, against the bare cell.

    .venv/bin/python benchmarks/ex13_grading.py [--repeats 2] [--offline]

In one process: import TensorFlow/Keras and tfgrade, run the set-up code once, then
alternately (a) run the reference cell bare, with ``exec`` in a fresh copy of the set-up
namespace, no tfgrade at all, and (b) grade it with ``tfgrade.run_and_check`` (probes
around the cell and the checks, then every check). Prints each run, the medians, the
ratio graded / bare, and what the grading itself added in seconds. One unmeasured run of
each kind comes first (TensorFlow's first-call costs would otherwise fall on one side).

Target (issue 5, "Fast enough to use"): grading ex13 with the reference completes in
under 60 s on a 2-core CPU. ``--offline`` skips any download attempt (the data then come
from the Keras cache, ``TFGRADE_DATA`` or the synthetic stand-in).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs of each kind (default 2)")
    parser.add_argument("--offline", action="store_true", help="no download attempt (cache, TFGRADE_DATA or stand-in)")
    parser.add_argument("--small-train", type=int, default=1600,
                        help="training images of the tests' reduced budget for structural mutants (default 1600)")
    args = parser.parse_args()

    began = time.perf_counter()
    import keras  # noqa: F401  (the import is timed on its own)

    import tfgrade
    from tfgrade.config import load_settings
    from tfgrade.datasets import install_offline_fallback
    from tfgrade.execute import run_cell
    from tfgrade.spec import load_exercise

    imported = time.perf_counter() - began
    exercise = load_exercise(ROOT / "exercises" / "ex13-training-loop")
    settings = load_settings()
    install_offline_fallback(data_dir=settings.data_dir, offline=args.offline or settings.offline)
    prepared: dict = {"__name__": "__main__"}
    t0 = time.perf_counter()
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        outcome = run_cell(exercise.setup_source, prepared, first_line=1)
    setup_time = time.perf_counter() - t0
    if outcome.error is not None:
        print(f"set-up failed: {outcome.error.describe()}", file=sys.stderr)
        return 1
    source = exercise.solution_source
    code = compile(source, "<ex13 reference>", "exec")

    bare: list[float] = []
    graded: list[float] = []
    parts: list[dict] = []
    first_graded = 0.0
    for i in range(-1, args.repeats):
        namespace = dict(prepared)
        t0 = time.perf_counter()
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            exec(code, namespace)   # noqa: S102 - the reference solution, run bare
        bare.append(time.perf_counter() - t0)

        namespace = dict(prepared)
        t0 = time.perf_counter()
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            report = tfgrade.run_and_check(exercise, source, namespace)
        graded.append(time.perf_counter() - t0)
        parts.append(report.timings)
        if i < 0:
            first_graded = graded.pop()
            bare.pop()
            parts.pop()
            print(f"warm-up: graded {first_graded:.2f} s, score {report.score:g}/{report.max_score:g}")
            continue
        print(f"run {i + 1}: bare cell {bare[-1]:6.2f} s   graded {graded[-1]:6.2f} s   "
              f"score {report.score:g}/{report.max_score:g}   timings {report.timings}   data {report.data}")
        if report.score < report.max_score:
            lost = [(c.id, c.message) for c in report.checks if not c.passed]
            print(f"  the reference lost checks: {lost}", file=sys.stderr)

    b, g = statistics.median(bare), statistics.median(graded)
    print(f"\nimport keras + tfgrade: {imported:.2f} s; set-up cell (data): {setup_time:.2f} s")
    print(f"median bare cell: {b:.2f} s   median graded (cell under probes + checks): {g:.2f} s")
    print(f"ratio graded / bare: {g / b:.2f}   grading adds {g - b:.2f} s "
          f"(checks {statistics.median(p['checks'] for p in parts):.2f} s)")
    small_report, small = _graded_on_fewer_images(exercise, prepared, source, args.small_train)
    print(f"reference graded on {args.small_train:,} training images (the tests' budget for structural mutants): "
          f"{small:.2f} s, score {small_report.score:g}/{small_report.max_score:g}; "
          f"full budget / reduced: {g / small:.2f}x")
    total = imported + setup_time + first_graded
    verdict = "OK" if total < 60 else "OVER"
    print(f"first grading in a fresh process (imports + set-up + graded cell): {total:.2f} s   "
          f"target < 60 s: {verdict}")
    return 0 if total < 60 else 1


def _graded_on_fewer_images(exercise, prepared: dict, source: str, n_train: int):
    """Grade ``source`` with the first ``n_train`` training images, the budget shrunk to match."""
    import dataclasses

    import tfgrade

    small = dataclasses.replace(exercise, budget={**exercise.budget, "train_samples": n_train})
    namespace = dict(prepared, X_train=prepared["X_train"][:n_train], y_train=prepared["y_train"][:n_train])
    t0 = time.perf_counter()
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        report = tfgrade.run_and_check(small, source, namespace)
    return report, time.perf_counter() - t0


if __name__ == "__main__":
    raise SystemExit(main())
