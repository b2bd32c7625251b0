"""The public toolkit for check authors: everything an exercise's ``checks.py`` may import.

Exercises import from here and nothing private, so tfgrade's internals can move without
breaking a course's checks::

    from tfgrade.checking import assert_tensors_close, graph_mode, watch_tracing

What it holds (``__all__``):

- assertions with learner-facing messages: ``assert_tensors_close``, ``assert_shape``,
  ``assert_dtype``, and ``describe_value`` / ``to_numpy`` for writing messages of your own;
- ``graph_mode()``: a ``with`` block in which ``tf.function`` really builds graphs, whatever
  the learner's ``tf.config.run_functions_eagerly`` (put back afterwards);
- ``watch_tracing()``: count the traces and calls of the ``tf.function`` calls a check makes;
- ``require_gpu_if_available(observations)``: fail when a GPU is visible but unused;
- ``measure_graph_speedup(step, *args, ...)``: eager vs graph timing for a speed hint;
- ``load_fashion_mnist(...)``: the course's Fashion-MNIST (offline stand-in when absent);
- ``calls_seen(watched, run)``: which library functions (say Keras's own layer normalisation)
  the learner's code called while ``run()`` ran, under any alias; ``keras_spellings(path)``
  gives the Keras and ``tf.keras`` objects to watch for one name.

The last four import TensorFlow on first use only, so importing this module stays light.
"""

import contextlib as _contextlib
from typing import Iterator as _Iterator

from .assertions import assert_dtype, assert_shape, assert_tensors_close, describe_value, to_numpy
from .calls_seen import calls_seen, keras_spellings

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
    "calls_seen",
    "keras_spellings",
]


@_contextlib.contextmanager
def graph_mode() -> _Iterator[None]:
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
