"""How much the probes add to a ``%%tfcheck`` run: probes on vs ``Settings(probes=())``.

    .venv/bin/python benchmarks/probe_overhead.py [--repeats 9] [--probes tracing,devices] [--exercise ex12]

Runs ``tfgrade.engine.run_and_grade`` on the same cell (the exercise's reference solution)
with every registered probe and with none, alternating, after one warm-up run of each,
and prints the median times and their ratio. Target: the probes add under 10%.
When the exercise is not in the catalog, a small layer-normalization exercise written to
a temporary folder stands in for it.
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

STAND_IN_SOLUTION = '''\
import tensorflow as tf
import keras


class LayerNormalization(keras.layers.Layer):
    def __init__(self, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        self.gamma = self.add_weight(name="gamma", shape=(input_shape[-1],), initializer="ones")
        self.beta = self.add_weight(name="beta", shape=(input_shape[-1],), initializer="zeros")

    def call(self, x):
        mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
        return self.gamma * (x - mean) / tf.sqrt(variance + self.epsilon) + self.beta


@tf.function
def normalize(x):
    return LayerNormalization()(x)


layer = LayerNormalization()
out = layer(tf.random.normal([4, 8]))
'''

STAND_IN_CHECKS = '''\
import numpy as np
import keras
import tensorflow as tf


def check_matches_keras(learner, rng):
    """Normalises like keras.layers.LayerNormalization"""
    x = rng.normal(size=(16, 32)).astype("float32")
    ours = learner["LayerNormalization"]()(x)
    theirs = keras.layers.LayerNormalization(epsilon=1e-3)(x)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), atol=1e-4)


def check_trainable_weights(learner):
    """Has a trainable scale and offset"""
    layer = learner["LayerNormalization"]()
    layer(tf.zeros([2, 5]))
    assert len(layer.trainable_weights) == 2


def check_in_a_model(learner, rng):
    """Trains inside a Keras model"""
    model = keras.Sequential([keras.Input((6,)), learner["LayerNormalization"](), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(rng.normal(size=(64, 6)), rng.normal(size=(64, 1)), epochs=1, batch_size=16, verbose=0)
'''


def stand_in_exercise(folder: Path):
    from tfgrade.spec import load_exercise

    ex = folder / "ex-bench"
    ex.mkdir(parents=True, exist_ok=True)
    (ex / "exercise.toml").write_text(
        'id = "ex-bench"\nshort_id = "bench"\ntitle = "Benchmark stand-in"\norder = 1\nsummary = "benchmark"\n',
        encoding="utf-8")
    (ex / "solution.py").write_text(STAND_IN_SOLUTION, encoding="utf-8")
    (ex / "checks.py").write_text(STAND_IN_CHECKS, encoding="utf-8")
    return load_exercise(ex)


def find_exercise(name: str, scratch: Path):
    try:
        from tfgrade.catalog import get_exercise

        return get_exercise(name), name
    except Exception:
        return stand_in_exercise(scratch), f"stand-in (no {name} in the catalog yet)"


def timed_probe_sessions() -> list[float]:
    """Wrap ProbeSession so the time spent entering, leaving and reading probes is summed."""
    from tfgrade.probes import ProbeSession

    spent = [0.0]
    for name in ("__init__", "__enter__", "__exit__", "observations"):
        original = getattr(ProbeSession, name)

        def wrapper(self, *a, __original=original, **k):
            began = time.perf_counter()
            try:
                return __original(self, *a, **k)
            finally:
                spent[0] += time.perf_counter() - began

        setattr(ProbeSession, name, wrapper)
    return spent


def hook_cost_per_call(calls: int = 2000) -> tuple[float, float]:
    """Seconds per call of a small tf.function without and with the tracing hook installed."""
    import tensorflow as tf

    from tfgrade.probes import ProbeContext
    from tfgrade.probes.tracing import TracingProbe

    from tfgrade.execute import run_cell

    scope: dict = {}
    run_cell("import tensorflow as tf\n@tf.function\ndef tiny(x):\n    return x + 1\n", scope, label="bench")
    tiny, x = scope["tiny"], tf.constant(1.0)
    tiny(x)

    def loop() -> float:
        began = time.perf_counter()
        for _ in range(calls):
            tiny(x)
        return (time.perf_counter() - began) / calls

    bare = min(loop() for _ in range(3))
    with TracingProbe(ProbeContext(namespace=scope)):
        hooked = min(loop() for _ in range(3))
    return bare, hooked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--exercise", default="ex12")
    parser.add_argument("--probes", default=None, help="comma list of probes to switch on (default: all)")
    args = parser.parse_args()

    from tfgrade.config import Settings
    from tfgrade.engine import run_and_grade
    from tfgrade.probes import PROBE_MODULES

    with tempfile.TemporaryDirectory() as scratch:
        exercise, label = find_exercise(args.exercise, Path(scratch))
        source = exercise.solution_source
        setup = getattr(exercise, "setup_source", "") or ""
        wanted = None if args.probes is None else tuple(p for p in args.probes.split(",") if p)
        on, off = Settings(probes=wanted), Settings(probes=())

        def once(settings: Settings) -> float:
            namespace: dict = {}
            if setup:
                exec(compile(setup, "<setup>", "exec"), namespace)   # noqa: S102
            began = time.perf_counter()
            report = run_and_grade(exercise, source, namespace, settings=settings, echo_output=False)
            elapsed = time.perf_counter() - began
            if report.score != report.max_score:
                raise SystemExit(f"the reference solution did not get full marks: {report.score}/{report.max_score}")
            return elapsed

        once(off), once(on)                    # warm-up: imports, first traces
        spent = timed_probe_sessions()
        times_on, times_off = [], []
        probe_time = []
        for _ in range(args.repeats):
            times_off.append(once(off))
            before = spent[0]
            times_on.append(once(on))
            probe_time.append(spent[0] - before)
        bare, hooked = hook_cost_per_call()

    median_on, median_off = statistics.median(times_on), statistics.median(times_off)
    ratio = median_on / median_off
    # On a shared machine single runs are noisy: the fastest runs and the paired ratios
    # (each "on" run against the "off" run just before it) are steadier than medians.
    best_ratio = min(times_on) / min(times_off)
    paired = statistics.median(a / b for a, b in zip(times_on, times_off))
    print(f"exercise: {label}; probes: {', '.join(on.probe_names()) or 'none'} "
          f"(registered: {', '.join(PROBE_MODULES)})")
    print(f"runs: {args.repeats} each, after one warm-up")
    print(f"probes off: median {median_off * 1000:.1f} ms  (min {min(times_off) * 1000:.1f})")
    print(f"probes on:  median {median_on * 1000:.1f} ms  (min {min(times_on) * 1000:.1f})")
    inside = statistics.median(probe_time)
    print(f"time inside the probes (set-up, tear-down, reading; both phases): median {inside * 1000:.1f} ms "
          f"per run = {inside / median_off * 100:.1f}% of a run without probes")
    print(f"tf.function call: {bare * 1e6:.1f} us bare, {hooked * 1e6:.1f} us with the tracing hook "
          f"(+{(hooked - bare) * 1e6:.1f} us per call)")
    print(f"ratio on/off: medians {ratio:.3f}, fastest runs {best_ratio:.3f}, median of paired runs "
          f"{paired:.3f}  ({(best_ratio - 1) * 100:+.1f}% on the fastest runs; target under +10%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
