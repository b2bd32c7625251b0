"""The public toolkit for check authors: everything an exercise's ``checks.py`` may import.

Exercises import from here and nothing private, so tfgrade's internals can move without
breaking a course's checks::

    from tfgrade.checking import assert_tensors_close, graph_mode, watch_tracing
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from .assertions import assert_dtype, assert_shape, assert_tensors_close, describe_value, to_numpy

__all__ = [
    "assert_dtype",
    "assert_shape",
    "assert_tensors_close",
    "describe_value",
    "to_numpy",
    "graph_mode",
    "watch_tracing",
    "require_gpu_if_available",
    "measure_graph_speedup",
    "load_fashion_mnist",
]


@contextlib.contextmanager
def graph_mode() -> Iterator[None]:
    """Make ``tf.function`` really build graphs inside the block, whatever the learner set.

    A learner's ``tf.config.run_functions_eagerly(True)`` would otherwise hide all tracing
    from a check that counts traces or measures graph speed; the learner's setting is put back.
    """
    import tensorflow as tf

    was_eager = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(False)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(was_eager)


def __getattr__(name: str):  # noqa: ANN202 - lazy: these pull in TensorFlow on first use
    if name == "watch_tracing":
        from .probes.tracing import watch_tracing

        return watch_tracing
    if name == "require_gpu_if_available":
        from .probes.devices import require_gpu_if_available

        return require_gpu_if_available
    if name == "measure_graph_speedup":
        from .speed import measure_graph_speedup

        return measure_graph_speedup
    if name == "load_fashion_mnist":
        from .datasets import load_fashion_mnist

        return load_fashion_mnist
    raise AttributeError(f"module 'tfgrade.checking' has no attribute {name!r}")
