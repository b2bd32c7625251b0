"""What does tracking a cell's stores cost? ``execute.run_cell`` vs a plain ``exec`` of the same cell.

    .venv/bin/python benchmarks/cell_store_tracking.py [--iterations 300000] [--repeats 5]

``run_cell`` runs a cell with a locals mapping that records every name its top-level code
stores (so a name rebound to the very same object still counts as defined by that run; see
tfgrade/learner_namespace.py). Reads of names at the cell's top level then go through that
mapping. Two cells, each the median of ``--repeats`` runs, against a plain ``exec`` baseline
measured in the same run:

- a pure-Python loop at the cell's top level (the worst case: every iteration reads names);
- a typical exercise cell (a class and a function defined, a few top-level lines): the usual case.

Code inside functions and classes reads globals directly and costs nothing extra.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tfgrade.execute import run_cell  # noqa: E402

LOOP = "total = 0\nfor i in range({n}):\n    total += i * 2\n"
TYPICAL = '''\
import math

class Scaler:
    def __init__(self, factor):
        self.factor = factor

    def __call__(self, values):
        return [v * self.factor for v in values]

def norm(values):
    return math.sqrt(sum(v * v for v in values))

scaler = Scaler(2.0)
result = norm(scaler(list(range({n}))))
'''


def _median(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def _plain(source: str) -> None:
    exec(compile(source, "<plain>", "exec"), {"__name__": "__main__"})  # noqa: S102 - the baseline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    for label, template in (("top-level loop", LOOP), ("typical cell", TYPICAL)):
        source = template.format(n=args.iterations)
        baseline = _median(lambda: _plain(source), args.repeats)
        tracked = _median(lambda: run_cell(source, {"__name__": "__main__"}), args.repeats)
        print(f"{label:15} plain exec {baseline * 1000:8.1f} ms   run_cell {tracked * 1000:8.1f} ms   "
              f"ratio {tracked / baseline:4.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
