"""Why a ``tf.function`` retraced, whether that is worth telling, and the words for it.

Healthy code stays quiet: a train step that traces twice on its first call (optimizer
slots created lazily) and once more for a smaller last batch is not flagged.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..report import Diagnostic
from .traces import FunctionRecord, TracedFunction

__all__ = [
    "RETRACING_TEXT", "summarise", "retraces", "reasons", "retracing_diagnostic", "show_signature",
    "normalise_tf_message", "mentions", "eager_diagnostic", "tensorflow_warning_diagnostic", "with_details",
]

# Retracing is flagged from this many traces (first trace included, the extra trace a
# first call makes when it creates variables excluded) when Python values caused it...
PYTHON_RETRACE_THRESHOLD = 3
# ... and from this many for any other reason (shapes, dtypes): one smaller last batch and
# one training flag must stay quiet.
OTHER_RETRACE_THRESHOLD = 4
# A tf.function object built this many times around the same Python function is "in a loop".
NEW_FUNCTION_THRESHOLD = 3
MAX_SIGNATURES = 12
# TensorFlow's own warning (Python logger "tensorflow"); it fires at most twice per function.
RETRACING_TEXT = "triggered tf.function retracing"
_PYTHON_REASONS = {"python-scalar", "python-object", "python-and-tensor"}
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


# -- showing arguments ------------------------------------------------------------------------

def show_leaf(leaf: tuple) -> str:
    kind = leaf[0]
    if kind == "python":
        return leaf[2]
    if kind == "tensor":
        dims = "?" if leaf[1] is None else "[" + ", ".join("None" if d is None else str(d) for d in leaf[1]) + "]"
        return f"tensor {dims} {leaf[2]}"
    if kind == "structure":
        return f"{leaf[1]} of {leaf[2]}" if isinstance(leaf[2], int) else f"dict with keys {list(leaf[2])}"
    return f"a {leaf[1]} object"


def show_signature(described: dict[str, tuple]) -> str:
    parts = [f"{k}={show_leaf(v)}" for k, v in described.items() if not k.endswith(("#len", "#keys"))]
    return "(" + ", ".join(parts) + ")"


def normalise_tf_message(text: str) -> str:
    return _ADDRESS.sub("", " ".join(text.split()))


def mentions(message: str, name: str) -> bool:
    """Whether TensorFlow's warning ``message`` is about the function called ``name``."""
    return f"<function {name}>" in message or re.search(rf"<function [\w.]*\b{re.escape(name)}>", message) is not None


def with_details(diag: Diagnostic, **more: Any) -> Diagnostic:
    return replace(diag, details={**diag.details, **more})


# -- judging ----------------------------------------------------------------------------------

def retraces(group: list[FunctionRecord]) -> int:
    # Each tf.function object's first trace (two when it creates variables) is expected.
    return sum(max(r.traces - r.extra_first_traces - (0 if r.previously_traced else 1), 0) for r in group)


def reasons(group: list[FunctionRecord]) -> list[dict[str, Any]]:
    """Why the traces of one function differ, from the inputs of the calls that traced."""
    found: list[dict[str, Any]] = []
    non_method = [r for r in group if not r.is_method]
    if len(non_method) >= NEW_FUNCTION_THRESHOLD and sum(1 for r in non_method if r.traces) >= NEW_FUNCTION_THRESHOLD:
        found.append({"reason": "new-function", "instances": len(non_method)})
    paths: dict[str, list[tuple]] = {}
    for record in group:
        for call in record.traced_calls:
            for path, leaf in call.items():
                paths.setdefault(path, []).append(leaf)
    for path, leaves in paths.items():
        if len(leaves) < 2:
            continue
        kinds = {leaf[0] for leaf in leaves}
        argument = path.split("#")[0]
        if "structure" in kinds:
            if len(set(leaves)) > 1:
                found.append({"reason": "structure", "argument": argument})
            continue
        if "python" in kinds and "tensor" in kinds:
            found.append({"reason": "python-and-tensor", "argument": argument})
            continue
        if kinds == {"python"}:
            values = list(dict.fromkeys(leaf[2] for leaf in leaves))
            if len(values) > 1:
                found.append({"reason": "python-scalar", "argument": argument, "values": values})
        elif kinds == {"object"}:
            ids = {leaf[2] for leaf in leaves}
            if len(ids) > 1:
                found.append({"reason": "python-object", "argument": argument, "type": leaves[0][1],
                              "count": len(ids)})
        elif kinds == {"tensor"}:
            shapes = list(dict.fromkeys(leaf[1] for leaf in leaves))
            dtypes = list(dict.fromkeys(leaf[2] for leaf in leaves))
            if len(dtypes) > 1:
                found.append({"reason": "dtype", "argument": argument, "dtypes": dtypes})
            if len(shapes) > 1:
                found.append({"reason": "shape", "argument": argument,
                              "shapes": [show_leaf(("tensor", s, ""))[7:].strip() for s in shapes]})
        elif "object" in kinds:
            found.append({"reason": "python-object", "argument": argument,
                          "type": next(leaf[1] for leaf in leaves if leaf[0] == "object"), "count": len(leaves)})
    return found


def summarise(group: list[FunctionRecord]) -> TracedFunction:
    """The records of one piece of Python code (one per tf.function object) as one function."""
    first = group[0]
    traced = [sig for r in group for sig in r.traced_calls]
    errors: list[str] = []
    for r in group:
        errors.extend(e for e in r.errors if e not in errors)
    return TracedFunction(
        name=first.name, qualname=first.qualname, line=first.line,
        traces=sum(r.traces for r in group), calls=sum(r.calls for r in group),
        instances=len(group), first_call_traces=1 + first.extra_first_traces if first.traces else 0,
        signatures=tuple(show_signature(s) for s in traced[:MAX_SIGNATURES]),
        reasons=tuple(r["reason"] for r in reasons(group)), errors=tuple(errors[:4]),
        retraces=retraces(group),
    )


# -- wording ----------------------------------------------------------------------------------

def _new_function_diagnostic(summary: TracedFunction, count: int, severity: str, details: dict) -> Diagnostic:
    fn = f"`{summary.name}`"
    return Diagnostic(
        kind="retracing", severity=severity,  # type: ignore[arg-type]
        message=f"A new tf.function was built around {fn} {count} times (for example once per loop "
                f"iteration), so TensorFlow traced it {summary.traces} times instead of once.",
        fix=f"Create the tf.function for {fn} once, outside the loop, and call that same object every time.",
        function=summary.name, line=summary.line, details={**details, "reason": "new-function"},
    )


def _reason_words(reason: dict[str, Any] | None, times: str) -> tuple[str, str, str]:
    """(reason, message, fix) for the main reason of a retrace."""
    if reason is None:
        return ("unknown", f"{times}; each trace builds a new graph, which is slow.",
                "Call it with tensors of the same shape and dtype, or give it an input_signature.")
    kind, arg = reason["reason"], f"`{reason['argument']}`"
    if kind == "python-scalar":
        shown = ", ".join(reason["values"][:4]) + (", ..." if len(reason["values"]) > 4 else "")
        return (kind, f"{times} because its argument {arg} received plain Python values ({shown}): "
                      "every new Python value makes TensorFlow build a new graph.",
                f"Pass {arg} as a tensor (for example tf.constant(value)) or, if it only takes a few "
                "values such as a training flag, keep it that way on purpose.")
    if kind == "python-object":
        return (kind, f"{times} because its argument {arg} received {reason['count']} different Python "
                      f"{reason['type']} objects, and each new object makes TensorFlow build a new graph.",
                f"Pass tensors instead of Python objects as {arg}, or reuse the same object.")
    if kind == "python-and-tensor":
        return (kind, f"{times} because its argument {arg} was sometimes a Python value and sometimes a "
                      "tensor, and each Python value makes TensorFlow build a new graph.",
                f"Always pass {arg} as a tensor.")
    if kind == "dtype":
        return (kind, f"{times} because its argument {arg} arrived with different dtypes "
                      f"({', '.join(reason['dtypes'])}), and each new dtype needs a new graph.",
                f"Cast {arg} to one dtype before the call (for example tf.cast(x, tf.float32)).")
    if kind == "shape":
        return (kind, f"{times} because its argument {arg} arrived with {len(reason['shapes'])} different "
                      "shapes, and each new shape needs a new graph.",
                "Give the function an input_signature with None for the dimension that varies, "
                "or use tf.function(reduce_retracing=True).")
    return (kind, f"{times} because the structure of its argument {arg} kept changing.",
            f"Pass {arg} with the same structure (same length, same keys) on every call.")


def retracing_diagnostic(summary: TracedFunction, group: list[FunctionRecord], severity: str) -> Diagnostic | None:
    """A ``retracing`` finding for one function, or None while its tracing looks healthy."""
    found = reasons(group)
    details: dict[str, Any] = {"traces": summary.traces, "calls": summary.calls, "reasons": found}
    new_function = next((r for r in found if r["reason"] == "new-function"), None)
    if new_function is not None:
        return _new_function_diagnostic(summary, new_function["instances"], severity, details)
    strong = [r for r in found if r["reason"] == "python-and-tensor"
              or (r["reason"] == "python-scalar" and len(r["values"]) >= PYTHON_RETRACE_THRESHOLD)
              or (r["reason"] == "python-object" and r["count"] >= PYTHON_RETRACE_THRESHOLD)]
    threshold = PYTHON_RETRACE_THRESHOLD if strong else OTHER_RETRACE_THRESHOLD
    if 1 + retraces(group) < threshold:
        return None
    others = [r for r in found if r["reason"] not in _PYTHON_REASONS]
    main = (strong or others or found or [None])[0]
    times = f"`{summary.name}` was traced {summary.traces} times in {summary.calls} calls"
    reason, message, fix = _reason_words(main, times)
    line = next((ln for r in group for ln in r.trace_lines[1:] if ln is not None), None) or summary.line
    return Diagnostic(kind="retracing", severity=severity,  # type: ignore[arg-type]
                      message=message, fix=fix, function=summary.name, line=line,
                      details={**details, "reason": reason})


def eager_diagnostic() -> Diagnostic:
    return Diagnostic(
        kind="functions-run-eagerly", severity="warning",
        message="tf.config.run_functions_eagerly(True) is switched on, so every tf.function runs "
                "as plain Python: nothing is traced and graph mode brings no speed.",
        fix="Remove that call or switch it back with tf.config.run_functions_eagerly(False); "
            "it is a debugging aid only.",
    )


def tensorflow_warning_diagnostic(message: str) -> Diagnostic:
    """A TensorFlow retracing warning that no finding of ours already covers."""
    return Diagnostic(
        kind="tensorflow-warning", severity="info",
        message=f"TensorFlow warned: {message.split('. ')[0].rstrip('.')}.",
        fix="Call each tf.function with tensors of stable shapes, and create it once outside loops.",
        details={"text": message},
    )
