"""Exceptions as one learner-facing line: never tfgrade's, pytest's or pluggy's insides.

- :func:`exception_message`: the text of any exception, even one whose ``__str__`` raises,
  with machine paths and library frames removed and TensorFlow's internal spellings
  (``tensorflow.argmax_v2``) written as learners write them (``tf.argmax``).
- :func:`explain_tf_error`: a raw TensorFlow error (a fixed-size TensorArray written past its
  end, incompatible shapes in ``tf.matmul``, ...) as the one line that matters plus a fix.
- :func:`setup_names` / :func:`missing_setup_name`: a ``NameError`` for a name the exercise's
  setup cell defines says that the setup cell has not been run.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from typing import Any, Callable

__all__ = ["safe_text", "exception_message", "explain_tf_error", "clean_text", "learner_names",
           "setup_names", "missing_setup_name"]


def safe_text(value: BaseException) -> str:
    """``str(exc)``; if that fails or is empty, its arguments or its ``repr``: this never raises."""
    str_failed = False
    try:
        text = str(value)
        if isinstance(text, str) and text:
            return text
    except BaseException:    # a learner's __str__ may raise anything  # noqa: BLE001
        str_failed = True
    try:
        args = [a for a in getattr(value, "args", ()) if isinstance(a, str)]
    except BaseException:  # noqa: BLE001
        args = []
    if args and _unwrap_keras(" ".join(args)).strip():
        return " ".join(args)
    if not str_failed:
        try:
            return repr(value)
        except BaseException:  # noqa: BLE001
            pass
    return f"{_type_name(value)} (its message could not be shown: turning it into text failed)"


def _type_name(value: object) -> str:
    try:
        return type(value).__name__
    except BaseException:  # noqa: BLE001
        return "exception"


# -- paths and frames ---------------------------------------------------------------------
_FRAME_LINE = re.compile(r'^\s*File "[^"]*", line \d+.*$')
_TRACEBACK_HEADER = re.compile(r"^\s*Traceback \(most recent call last\):\s*$")
_ABSOLUTE_PATH = re.compile(r"(?<![\w.])(?:/[\w.@+\-]+){2,}/([\w.@+\-]+)")
_FUNCTION_NODE = re.compile(r"\{\{function_node [^}]*\}\}\s*")
_OP_SUFFIX = re.compile(r"\s*\[Op:[\w.]+\](?: name: \S*)?\s*$")
_NODE_MARK = re.compile(r"\s*\[\[\{\{node [^}]*\}\}\]\]")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_KERAS_WRAPPER = re.compile(r"Exception encountered when calling [^\n]*\n\n(?P<inner>.*?)\n\nArguments received by .*",
                            re.DOTALL)


def _unwrap_keras(text: str) -> str:
    """Keras re-raises errors from ``call`` with its own header and the call's arguments around
    the learner's message: keep only the message."""
    text = _ANSI.sub("", text)
    match = _KERAS_WRAPPER.search(text)
    return match.group("inner").strip() if match else text


def clean_text(text: str) -> str:
    """Drop traceback frames and headers; shorten absolute paths to their file name."""
    text = _unwrap_keras(text)
    lines = [line for line in text.splitlines() if not _FRAME_LINE.match(line) and not _TRACEBACK_HEADER.match(line)]
    cleaned = "\n".join(lines).strip("\n")
    cleaned = _FUNCTION_NODE.sub("", cleaned)
    cleaned = _NODE_MARK.sub("", cleaned)
    cleaned = "\n".join(_OP_SUFFIX.sub("", line) for line in cleaned.splitlines())
    return _ABSOLUTE_PATH.sub(r"\1", cleaned).strip()


# -- TensorFlow's spellings ----------------------------------------------------------------
_TF_INTERNAL_NAME = re.compile(r"\btensorflow(?:\.python)?(?:\.[a-z_][a-z0-9_]*)*\.(?P<name>[A-Za-z_]\w*)\b")
_FUNCTION_REPR = re.compile(r"<function (?P<name>\w+) at 0x[0-9a-f]+>")
_CLASS_NAMES = {"EagerTensor": "tf.Tensor", "SymbolicTensor": "tf.Tensor", "ResourceVariable": "tf.Variable",
                "Tensor": "tf.Tensor", "Variable": "tf.Variable"}


@functools.lru_cache(maxsize=1)
def _tf_public_names() -> dict[str, str]:
    """Internal function name -> public spelling (``argmax_v2`` -> ``tf.argmax``), for loaded TF."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return {}
    names: dict[str, str] = {}
    for space, prefix in ((getattr(tf, "math", None), "tf.math."), (tf, "tf.")):
        for attr in dir(space) if space is not None else ():
            try:
                value = getattr(space, attr)
            except Exception:  # noqa: BLE001 - lazy TF attributes may fail to load
                continue
            internal = getattr(value, "__name__", None)
            if callable(value) and isinstance(internal, str) and not attr.startswith("_"):
                names[internal] = f"{prefix}{attr}"
    return names


def _public_name(internal: str) -> str:
    known = _tf_public_names().get(internal)
    if known:
        return known
    if internal in _CLASS_NAMES:
        return _CLASS_NAMES[internal]
    return "tf." + re.sub(r"_v\d$", "", internal)


def learner_names(text: str) -> str:
    """``tensorflow.python.ops.math_ops.argmax_v2`` / ``<function argmax_v2 at 0x..>`` -> ``tf.argmax``."""
    text = _TF_INTERNAL_NAME.sub(lambda m: _public_name(m.group("name")), text)

    def function_repr(match: re.Match[str]) -> str:
        public = _tf_public_names().get(match.group("name"))
        return public if public else match.group(0)

    return _FUNCTION_REPR.sub(function_repr, text)


# -- raw TensorFlow errors -----------------------------------------------------------------
_OP_SPELLING = {
    "MatMul": "tf.matmul", "BatchMatMulV2": "tf.matmul", "BatchMatMulV3": "tf.matmul", "AddV2": "+ (tf.add)",
    "Add": "+ (tf.add)", "Sub": "- (tf.subtract)", "Mul": "* (tf.multiply)", "RealDiv": "/ (tf.divide)",
    "Reshape": "tf.reshape", "ConcatV2": "tf.concat", "Pack": "tf.stack", "Maximum": "tf.maximum",
    "Minimum": "tf.minimum", "SquaredDifference": "tf.math.squared_difference", "BiasAdd": "tf.nn.bias_add",
}


def _op(name: str) -> str:
    return _OP_SPELLING.get(name, f"the `{name}` operation")


def _fixed_size_tensor_array(m: re.Match[str]) -> tuple[str, str]:
    index, size = m.group("index"), m.group("size")
    return (f"A TensorArray of fixed size {size} was written at index {index}, past its end.",
            "create it with `dynamic_size=True`, or give `size=` the number of elements you write.")


def _matmul_shapes(m: re.Match[str]) -> tuple[str, str]:
    a, b = m.group("a"), m.group("b")
    inner_a, inner_b = a.split(",")[-1], (b.split(",")[-2] if b.count(",") else b)
    return (f"tf.matmul got shapes [{a}] and [{b}]: the last dimension of the first ({inner_a}) must equal "
            f"the first dimension of the second ({inner_b}).",
            "check the order of the operands, or transpose one of them (`transpose_b=True`).")


def _dimensions_must_match(m: re.Match[str]) -> tuple[str, str]:
    op, shapes = m.group("op"), m.group("shapes")
    if op.startswith(("MatMul", "BatchMatMul")):
        return (f"tf.matmul got shapes {shapes} whose inner dimensions ({m.group('x')} and {m.group('y')}) differ.",
                "check the order of the operands, or transpose one of them (`transpose_b=True`).")
    return (f"{_op(op)} needs dimensions {m.group('x')} and {m.group('y')} to be equal (input shapes {shapes}).",
            "print the shapes of the inputs and reshape or transpose one so that they agree.")


def _broadcast(m: re.Match[str]) -> tuple[str, str]:
    return (f"Shapes [{m.group('a')}] and [{m.group('b')}] cannot be combined element-wise.",
            "give both the same shape, or shapes that broadcast (each dimension equal, or 1 in one of them).")


def _dtype_mix(m: re.Match[str]) -> tuple[str, str]:
    return (f"{_op(m.group('op'))} mixed a {m.group('want')} tensor with a {m.group('got')} tensor.",
            "convert one with `tf.cast(x, tf.float32)` (or the other's dtype) so both have the same dtype.")


def _reshape(m: re.Match[str]) -> tuple[str, str]:
    return (f"tf.reshape cannot fit {m.group('n')} values into a shape that holds {m.group('m')}.",
            "the new shape must hold as many elements as the tensor; use -1 for one dimension to have it worked out.")


_TF_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, str]]], ...] = (
    (re.compile(r"Tried to write to index (?P<index>\d+) but array is not resizeable and size is: (?P<size>\d+)"),
     _fixed_size_tensor_array),
    (re.compile(r"Trying to modify element (?P<index>\d+) in a list with (?P<size>\d+) elements"),
     _fixed_size_tensor_array),
    (re.compile(r"Matrix size-incompatible: In\[0\]: \[(?P<a>[\d,]+)\], In\[1\]: \[(?P<b>[\d,]+)\]"), _matmul_shapes),
    (re.compile(r"Dimensions must be equal, but are (?P<x>\d+) and (?P<y>\d+) for '\{\{node [^}]*\}\} = "
                r"(?P<op>\w+)[^']*' with input shapes: (?P<shapes>[^.]*(?:\.\d[^.]*)*)\."), _dimensions_must_match),
    (re.compile(r"Incompatible shapes: \[(?P<a>[\d,]*)\] vs\. \[(?P<b>[\d,]*)\]"), _broadcast),
    (re.compile(r"cannot compute (?P<op>\w+) as input #\d+\(zero-based\) was expected to be a (?P<want>\w+) "
                r"tensor but is a (?P<got>\w+) tensor"), _dtype_mix),
    (re.compile(r"Input to reshape is a tensor with (?P<n>\d+) values, but the requested shape has (?P<m>\d+)"),
     _reshape),
)


def _is_tensorflow_error(exc: BaseException) -> bool:
    module = getattr(type(exc), "__module__", "") or ""
    return module.startswith(("tensorflow", "keras")) or "in user code:" in safe_text(exc)[:200]


def explain_tf_error(exc: BaseException) -> str | None:
    """One line for a raw TensorFlow error, plus the fix; None when it is not one we know."""
    if not _is_tensorflow_error(exc):
        return None
    raw = safe_text(exc)
    for pattern, explain in _TF_PATTERNS:
        match = pattern.search(raw)
        if match:
            line, fix = explain(match)
            return f"{line} To fix it: {fix}"
    # An unknown TensorFlow error: its last meaningful line, without node names and frames.
    lines = [line.strip() for line in clean_text(raw).splitlines()
             if line.strip() and not line.strip().startswith(("Detected at node", "Graph execution error",
                                                               "in user code:"))]
    return learner_names(lines[-1]) if lines else None


def exception_message(exc: BaseException) -> str:
    """The learner-facing text of ``exc``: readable, one root cause, no machine paths."""
    explained = explain_tf_error(exc)
    if explained:
        return explained
    return learner_names(clean_text(safe_text(exc))) or _type_name(exc)


# -- setup names ----------------------------------------------------------------------------
def setup_names(source: str) -> frozenset[str]:
    """Names bound at the top level of an exercise's setup code (imports, assignments, defs)."""
    try:
        tree = ast.parse(source or "")
    except SyntaxError:
        return frozenset()
    names: set[str] = set()
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in tree.body:
        for sub in ast.walk(node) if not isinstance(node, definitions) else ():
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.add(sub.id)
            elif isinstance(sub, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in sub.names if a.name != "*")
        if isinstance(node, definitions):
            names.add(node.name)
    return frozenset(names)


_NAME_ERROR = re.compile(r"name '(?P<name>\w+)' is not defined")


def missing_setup_name(message: str, names: frozenset[str], exercise: Any) -> str | None:
    """For "name 'x_demo' is not defined" where x_demo comes from the setup: say to run the setup."""
    match = _NAME_ERROR.search(message)
    if not match or match.group("name") not in names:
        return None
    return (f"`{match.group('name')}` is made by the setup cell of exercise {exercise.short_id} "
            f"({exercise.title}), and that cell has not been run in this kernel: run the setup cell first, "
            "then this one.")
