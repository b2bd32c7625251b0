"""Does grading leave a cost behind? A plain ``tf.function`` call after N graded cells vs after one.

    .venv/bin/python benchmarks/call_overhead.py [--cells 50] [--calls 2000] [--repeats 7]

A small exercise (a ``tf.function`` the checks call) is graded ``--cells`` times through
``tfgrade.engine.run_and_grade`` with every probe on. A plain ``tf.function`` call (not the
learner's) is timed after the first grading (baseline) and after the last one, in the same
process, as the median of ``--repeats`` batches of ``--calls`` calls. Before tfgrade put the
call hook back and removed its listeners, 20 cells made this call about 1.5x slower; the
ratio printed should be about 1.0 (the structural fact is asserted by
tests/unit/test_probe_restore.py: no hook, no listener left).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CELL = '''\
import tensorflow as tf

@tf.function
def scale(x):
    return x * 3.0

y = scale(tf.ones([4]))
'''

CHECKS = '''\
import tensorflow as tf


def check_scales_by_three(learner):
    """scale multiplies by three"""
    assert float(learner["scale"](tf.constant(2.0))) == 6.0
'''


def _exercise(folder: Path):
    from tfgrade.spec import load_exercise

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exercise.toml").write_text(
        'id = "bench-call"\nshort_id = "bench"\ntitle = "Call overhead"\norder = 1\nsummary = "bench"\n'
        "seed_cell = false\n", encoding="utf-8")
    (folder / "solution.py").write_text(CELL, encoding="utf-8")
    (folder / "checks.py").write_text(CHECKS, encoding="utf-8")
    return load_exercise(folder)


def _time_plain_calls(fn, x, calls: int, repeats: int) -> float:
    batches = []
    for _ in range(repeats):
        began = time.perf_counter()
        for _ in range(calls):
            fn(x)
        batches.append((time.perf_counter() - began) / calls)
    return statistics.median(batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=50)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    import tensorflow as tf

    from tfgrade.config import Settings
    from tfgrade.engine import run_and_grade
    from tfgrade.probes import PROBE_MODULES

    plain = tf.function(lambda x: x + 1.0)
    x = tf.ones([4])
    plain(x)   # traced once, outside any grading
    settings = Settings(probes=tuple(PROBE_MODULES))
    with tempfile.TemporaryDirectory() as tmp:
        exercise = _exercise(Path(tmp) / "bench-call")
        namespace: dict = {}
        report = run_and_grade(exercise, CELL, namespace, settings=settings, echo_output=False)
        assert report.score == report.max_score, report.to_json()
        after_one = _time_plain_calls(plain, x, args.calls, args.repeats)
        for _ in range(args.cells - 1):
            run_and_grade(exercise, CELL, namespace, settings=settings, echo_output=False)
        after_many = _time_plain_calls(plain, x, args.calls, args.repeats)
    print(f"plain tf.function call after 1 graded cell:   {after_one * 1e6:8.1f} us")
    print(f"plain tf.function call after {args.cells} graded cells: {after_many * 1e6:8.1f} us")
    print(f"ratio (after {args.cells} / after 1): {after_many / after_one:.3f}  (target: about 1.0)")
    from tfgrade.probes import _call_hook

    print(f"left behind: call hook installed={_call_hook.hook_installed()}, "
          f"listeners={_call_hook.listener_count()}")


if __name__ == "__main__":
    main()
