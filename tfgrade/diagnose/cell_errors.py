"""A cell error that graph building caused, explained in the learner's terms.

The table pairs a phrase of TensorFlow's error text with what went wrong and what to do;
:func:`explain_cell_error` is called by the engine after a cell raised.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..report import Diagnostic

__all__ = ["explain_cell_error"]

# (phrase in "Type: message", diagnostic kind, what happened, what to do)
_ERROR_EXPLANATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("as a Python `bool` is not allowed", "python-control-flow",
     "A Python `if`/`while` tested a tensor while TensorFlow was building a graph; Keras 3 does not "
     "convert Layer.call (or train_step) with AutoGraph, so such code only works eagerly.",
     "Write the condition with tensor ops (tf.where, tf.cond, keras.ops.where or keras.ops.cond), "
     "or move it into a function decorated with @tf.function, which AutoGraph converts."),
    ("iterating over `tf.Tensor` is not allowed", "python-control-flow",
     "A Python `for` loop iterated over a tensor while TensorFlow was building a graph, which only works "
     "eagerly or in code AutoGraph converts.",
     "Use tf.range / tf.while_loop or vectorised tensor ops, or decorate the function with @tf.function."),
    ("object has no attribute 'numpy'", "numpy-in-function",
     "Your code called .numpy() on a tensor while TensorFlow was building a graph; graph tensors have no "
     "value yet.",
     "Keep the computation in TensorFlow ops inside the function, and call .numpy() only on results outside it."),
    ("singleton tf.Variables", "variable-in-function",
     "A tf.function created a new variable after its first call, which tf.function does not allow.",
     "Create the variable once outside the function (or in a layer's build/__init__) and update it inside "
     "with .assign(...)."),
)


def explain_cell_error(error: Any, diagnostics: Iterable[Any] = ()) -> Diagnostic | None:
    """A diagnostic for a cell error that graph building caused, or None.

    ``error`` is the cell's :class:`~tfgrade.report.CellError` (anything with ``type``,
    ``message`` and ``line``); ``diagnostics`` are those already found, so that a finding the
    probes already made (same kind) is not repeated.
    """
    if error is None:
        return None
    known = {getattr(d, "kind", None) for d in diagnostics}
    text = f"{getattr(error, 'type', '')}: {getattr(error, 'message', '')}"
    for needle, kind, message, fix in _ERROR_EXPLANATIONS:
        if needle in text:
            if kind in known:
                return None
            return Diagnostic(kind=kind, severity="warning", message=message, fix=fix,
                              line=getattr(error, "line", None), details={"error": getattr(error, "type", "")})
    return None
