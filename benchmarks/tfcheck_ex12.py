"""Time `%%tfcheck ex12` on the reference solution, with TensorFlow already imported.

Prints the split reported by tfgrade (cell run, checks, tfgrade overhead) as medians over
several runs, and the ratio of the whole `%%tfcheck` to a baseline measured in the same
run: the bare cell executed by IPython, with no grading.

    .venv/bin/python benchmarks/tfcheck_ex12.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TFGRADE_WIDGET"] = "0"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from tfgrade.catalog import get_exercise
    from tfgrade.report import MIME_TYPE, Report

    exercise = get_exercise("ex12")
    shell = InteractiveShell.instance()
    shell.run_cell(exercise.setup_source)        # imports TensorFlow once, outside the timings
    shell.run_cell("%load_ext tfgrade")
    cell = "%%tfcheck ex12\n" + exercise.solution_source

    bare, total, split = [], [], {"cell": [], "checks": [], "overhead": []}
    for _ in range(args.repeat + 1):             # the first round warms caches and is dropped
        started = time.perf_counter()
        shell.run_cell(exercise.solution_source)
        bare.append(time.perf_counter() - started)
        with capture_output() as captured:
            started = time.perf_counter()
            shell.run_cell(cell)
            total.append(time.perf_counter() - started)
        report = Report.from_dict(next(o.data[MIME_TYPE] for o in captured.outputs if MIME_TYPE in o.data))
        assert report.score == report.max_score, "the reference solution should pass"
        for key in split:
            split[key].append(report.timings[key])
    med = lambda xs: statistics.median(xs[1:])  # noqa: E731
    print(f"%%tfcheck ex12, reference solution, median of {args.repeat} runs (TF already imported)")
    print(f"  whole magic       {med(total) * 1000:8.1f} ms")
    for key, values in split.items():
        print(f"  {key:<17} {med(values) * 1000:8.1f} ms")
    print(f"  baseline: bare cell run {med(bare) * 1000:.2f} ms")
    print(f"  ratio whole %%tfcheck / bare cell: {med(total) / med(bare):.0f}x")
    print(f"  tfgrade overhead share of the magic: {med(split['overhead']) / med(total):.1%}")


if __name__ == "__main__":
    main()
