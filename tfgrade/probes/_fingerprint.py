"""What a ``tf.function`` is and what it was called with, as plain comparable values.

Shared by the tracing probe (why did it retrace?) and the devices probe (whose results
are these?). ``describe_call`` turns a call's arguments into a :data:`Fingerprint`: one
leaf per argument (nested lists, tuples and dicts up to two levels), recording what
TensorFlow traces on (a Python value, a tensor's shape and dtype, an object's identity).
"""

from __future__ import annotations

import inspect
import sys
from types import CodeType
from typing import Any

from ..diagnose.traces import Fingerprint
from ..execute import is_learner_filename

__all__ = ["python_function", "code_of", "describe_call", "learner_call_line", "is_learner_filename"]

_TENSOR_MODULES = {"tensorflow", "numpy", "keras", "tf_keras"}


def python_function(fn: Any) -> Any:
    return getattr(fn, "python_function", None) or getattr(fn, "_python_function", None)


def code_of(fn: Any) -> CodeType | None:
    """The code object of the Python function a ``tf.function`` wraps (None if unknown)."""
    py = python_function(fn)
    try:
        py = inspect.unwrap(py)       # Keras wraps its steps in AutoGraph's do_not_convert
    except Exception:
        pass
    py = getattr(py, "__func__", py)
    code = getattr(py, "__code__", None)
    return code if isinstance(code, CodeType) else None


def learner_call_line(skip_code: CodeType | None, depth: int = 2) -> int | None:
    """The notebook line of the nearest learner frame above the hook (``skip_code`` excluded)."""
    frame = sys._getframe(depth)
    steps = 0
    while frame is not None and steps < 40:
        code = frame.f_code
        if code is not skip_code and is_learner_filename(code.co_filename):
            return frame.f_lineno
        frame, steps = frame.f_back, steps + 1   # type: ignore[assignment]
    return None


def _leaf(value: Any) -> tuple:
    """A comparable description of one argument (what TensorFlow traces on)."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        text = repr(value)
        return ("python", type(value).__name__, text if len(text) <= 40 else text[:37] + "...")
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if shape is not None and dtype is not None and type(value).__module__.split(".")[0] in _TENSOR_MODULES:
        try:
            raw = shape.as_list() if hasattr(shape, "as_list") else shape
            dims = tuple(None if d is None else int(d) for d in raw)
        except Exception:
            dims = None
        return ("tensor", dims, str(getattr(dtype, "name", dtype)))
    return ("object", type(value).__name__, id(value))


def _flatten(path: str, value: Any, out: Fingerprint, depth: int = 0) -> None:
    if depth < 2 and isinstance(value, (list, tuple)) and len(value) <= 8 and not hasattr(value, "_fields"):
        out[path + "#len"] = ("structure", type(value).__name__, len(value))
        for i, item in enumerate(value):
            _flatten(f"{path}[{i}]", item, out, depth + 1)
    elif depth < 2 and isinstance(value, dict) and len(value) <= 8:
        out[path + "#keys"] = ("structure", "dict", tuple(sorted(map(str, value))))
        for key in sorted(value, key=str):
            _flatten(f"{path}[{key!r}]", value[key], out, depth + 1)
    else:
        out[path] = _leaf(value)


def describe_call(signature: inspect.Signature | None, args: tuple, kwargs: dict) -> Fingerprint:
    named: list[tuple[str, Any]]
    try:
        assert signature is not None
        bound = signature.bind(*args, **kwargs)
        named = list(bound.arguments.items())
    except Exception:
        named = [(f"argument {i + 1}", a) for i, a in enumerate(args)] + sorted(kwargs.items())
    out: Fingerprint = {}
    for name, value in named:
        _flatten(name, value, out)
    return out
