"""Which library functions ran while some code ran: grading by observation of delegation.

A learner can pass "matches Keras's layer normalisation" by calling Keras's layer
normalisation. :func:`calls_seen` runs a callable with a profile function that notes every call
of the watched functions' code, under whatever name or alias the learner reached them by
(``keras.ops.layer_normalization``, ``tf.keras.layers.LayerNormalization``, a bound method).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from types import CodeType, FrameType
from typing import Any, Callable, Mapping, TypeVar

__all__ = ["calls_seen", "keras_spellings"]

T = TypeVar("T")


def _code_of(function: Any) -> CodeType | None:
    """The Python code a function, method or class's ``call`` runs (None for C functions).

    Decorators are looked through to the function they wrap: watching a generic wrapper's code
    (TensorFlow's error handler) would see every call that goes through it.
    """
    function = getattr(function, "__func__", function)
    if isinstance(function, type):
        function = getattr(function, "call", None)
    try:
        function = inspect.unwrap(function) if function is not None else None
    except ValueError:      # a cycle of __wrapped__
        return None
    code = getattr(function, "__code__", None)
    if not isinstance(code, CodeType) or code.co_name != getattr(function, "__name__", code.co_name):
        return None         # a wrapper that does not say what it wraps
    return code


def calls_seen(watched: Mapping[str, Any], run: Callable[[], T]) -> tuple[T, list[str]]:
    """``run()``'s result, and the labels of the ``watched`` functions called while it ran, in order.

    ``watched`` maps a label (what a message names) to a function, method, or a layer/loss class
    (its ``call``). Only calls made in this thread are seen, eager calls and ``tf.function``
    tracing both; a profile function already set is put back afterwards.
    """
    codes: dict[CodeType, str] = {}
    for label, function in watched.items():
        code = _code_of(function)
        if code is not None:
            codes.setdefault(code, label)
    seen: list[str] = []

    def note(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            label = codes.get(frame.f_code)
            if label is not None and label not in seen:
                seen.append(label)

    previous = sys.getprofile()
    sys.setprofile(note)
    try:
        result = run()
    finally:
        sys.setprofile(previous)
    return result, seen


def keras_spellings(path: str) -> dict[str, Any]:
    """What to watch for one Keras function or class (``path`` below the package, e.g.
    ``"layers.LayerNormalization"``): ``keras.<path>``, and ``tf.keras.<path>`` when that is
    another object (legacy tf_keras), each labelled as a learner writes it; missing ones left out."""
    found: dict[str, Any] = {}
    for label, load in (("keras", lambda: importlib.import_module("keras")),
                        ("tf.keras", lambda: importlib.import_module("tensorflow").keras)):
        try:
            value = load()
            for part in path.split("."):
                value = getattr(value, part)
        except (ImportError, AttributeError):
            continue
        if all(value is not other for other in found.values()):
            found[f"{label}.{path}"] = value
    return found
