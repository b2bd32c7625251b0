"""Code in a learner's ``tf.function`` body that behaves differently once traced.

Read from the function's source (never run): ``print`` and changes to outside lists or
globals (they happen only while tracing), NumPy or ``random`` calls (their result is
frozen into the graph), ``tf.Variable`` created in the body. Names are shown as the
learner spelled them; NumPy calls on one line make one finding naming each replacing op.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import sys
import textwrap
from types import CodeType, ModuleType
from typing import Any

from ..report import Diagnostic
from .tf_ops import tensorflow_op_for
from .traces import FunctionRecord, TracedFunction

__all__ = ["lint_function"]

_MUTATORS = {"append", "extend", "insert", "add", "update", "setdefault", "pop", "remove", "clear", "discard"}
_VARIABLE_ERRORS = ("singleton tf.Variables", "create variables on non-first call", "tried to create variables")
_VARIABLE_FIX = ("Create the variable once outside the function (or in a layer's build/__init__) and "
                 "update it inside with .assign(...).")


def _function_source(code: CodeType, py: Any) -> tuple[ast.AST, int] | None:
    try:
        source = inspect.getsource(py if py is not None else code)
    except Exception:
        try:
            lines = linecache.getlines(code.co_filename)
            source = "".join(inspect.getblock(lines[code.co_firstlineno - 1:]))
        except Exception:
            return None
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return node, code.co_firstlineno - 1
    return None


def _resolve(py: Any, node: ast.AST) -> Any:
    """The object an ``a.b.c`` expression names in the learner function's scope (or None)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    py = getattr(py, "__func__", py)
    scope: dict[str, Any] = {}
    scope.update(getattr(py, "__globals__", {}) or {})
    try:
        scope.update(inspect.getclosurevars(py).nonlocals)
    except Exception:
        pass
    if node.id not in scope:
        return None
    obj = scope[node.id]
    for part in reversed(parts):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _root_module(obj: Any) -> str:
    if isinstance(obj, ModuleType):
        return obj.__name__.split(".")[0]
    return (getattr(obj, "__module__", None) or "").split(".")[0]


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:
        return "?"


def _local_names(func: ast.AST) -> set[str]:
    names: set[str] = set()
    args = getattr(func, "args", None)
    if args is not None:
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None:
                names.add(a.arg)
    declared: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names - declared


def _guarded_lines(func: ast.AST) -> set[int]:
    """Lines inside an ``if`` (variables created once behind ``if self.v is None``)."""
    lines: set[int] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.If):
            for child in ast.walk(node):
                if hasattr(child, "lineno"):
                    lines.add(child.lineno)
    return lines


def _is_variable_class(obj: Any) -> bool:
    """tf.Variable (or a subclass) or a Keras variable class, without importing TensorFlow."""
    if not isinstance(obj, type):
        return False
    tf = sys.modules.get("tensorflow")
    variable = getattr(tf, "Variable", None) if tf is not None else None
    if isinstance(variable, type) and issubclass(obj, variable):
        return True
    module = getattr(obj, "__module__", "") or ""
    return obj.__name__ in {"Variable", "KerasVariable"} and module.split(".")[0] in {"keras", "tf_keras"}


def _times(n: int) -> str:
    return "once" if n == 1 else ("twice" if n == 2 else f"{n} times")


def _frozen_calls_diagnostic(name: str, summary: TracedFunction, line: int, calls: list[tuple[str, str]]) -> Diagnostic:
    """One finding for the NumPy / ``random`` calls ``[(root module, call as spelled)]`` of one line."""
    shown = " and ".join(f"{call}()" for _, call in calls)
    if all(root == "random" for root, _ in calls):
        message = (f"{name} calls {shown}, which Python computes once while TensorFlow traces the function; "
                   "the same number is then reused on every call.")
    else:
        computes = "NumPy computes" if all(root == "numpy" for root, _ in calls) else "Python and NumPy compute"
        result = "the result is" if len(calls) == 1 else "the results are"
        message = (f"{name} calls {shown}, which {computes} once while TensorFlow traces the function; "
                   f"{result} frozen into the graph as {'a constant' if len(calls) == 1 else 'constants'}.")
    swaps = [(call, tensorflow_op_for(root, call)) for root, call in calls]
    named = [f"{op} in place of {call}" for call, op in swaps if op]
    if named:
        fix = f"Use {', '.join(named[:-1]) + ' and ' + named[-1] if len(named) > 1 else named[0]}: " \
              "TensorFlow ops run on every call."
    elif all(root == "random" for root, _ in calls):
        fix = "Use tf.random (for example tf.random.uniform) so a new number is drawn on every call."
    else:
        fix = "Use the matching TensorFlow op instead, which runs on every call."
    return Diagnostic(kind="numpy-in-function", severity="warning", message=message, fix=fix,
                      function=summary.name, line=line,
                      details={"call": calls[0][1], "calls": [call for _, call in calls],
                               "replacements": {call: op for call, op in swaps if op}})


def lint_function(record: FunctionRecord, summary: TracedFunction) -> list[Diagnostic]:
    """Findings about the body of the function ``record`` describes (``summary``: its calls)."""
    code = record.code
    if code is None:
        return []
    fn = record.pyfunc
    parsed = _function_source(code, fn)
    if parsed is None:
        return []
    func, offset = parsed
    name = f"`{summary.name}`"
    if summary.calls and summary.traces:
        runs = f" (here it ran {_times(summary.traces)} for {summary.calls} call{'s' if summary.calls != 1 else ''})"
    else:
        runs = ""
    local = _local_names(func)
    guarded = _guarded_lines(func)
    out: dict[tuple[str, str], Diagnostic] = {}
    frozen: dict[int, list[tuple[str, str]]] = {}

    def add(kind: str, key: str, line: int, message: str, fix: str, **details: Any) -> None:
        out.setdefault((kind, key), Diagnostic(kind=kind, severity="warning", message=message, fix=fix,
                                               function=summary.name, line=offset + line, details=details))

    variable_error = any(any(t in e for t in _VARIABLE_ERRORS) for e in summary.errors)
    globals_declared: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Global):
            globals_declared.update(node.names)
    for node in ast.walk(func):
        if isinstance(node, (ast.Assign, ast.AugAssign)) and globals_declared:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in globals_declared:
                    add("trace-side-effect", f"global:{target.id}", node.lineno,
                        f"{name} changes the global `{target.id}`, but that Python statement runs only while "
                        f"TensorFlow traces the function, not on every call{runs}.",
                        f"Keep `{target.id}` in a tf.Variable created outside the function and update it "
                        "with .assign(...) or .assign_add(...).", effect="global", target=target.id)
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        if isinstance(callee, ast.Name) and callee.id == "print" and "print" not in local:
            add("trace-side-effect", "print", node.lineno,
                f"{name} calls print(), which runs only while TensorFlow traces the function, "
                f"not on every call{runs}.",
                "Use tf.print(...) to print on every call.", effect="print")
            continue
        if (isinstance(callee, ast.Attribute) and callee.attr in _MUTATORS
                and isinstance(callee.value, ast.Name) and callee.value.id not in local):
            target = _resolve(fn, callee.value)
            if isinstance(target, (list, dict, set)):
                add("trace-side-effect", f"mutate:{callee.value.id}", node.lineno,
                    f"{name} changes the Python {type(target).__name__} `{callee.value.id}` with "
                    f".{callee.attr}(), which happens only while TensorFlow traces the function, not on "
                    f"every call{runs}.",
                    "Return the values from the function instead, or keep state in a tf.Variable "
                    "(or collect values in a tf.TensorArray).", effect="mutation", target=callee.value.id)
                continue
        target = _resolve(fn, callee)
        if target is None:
            continue
        root = _root_module(target)
        shown = _dotted(callee)
        if root in ("numpy", "random") and not isinstance(target, type):
            calls = frozen.setdefault(node.lineno, [])
            if (root, shown) not in calls:
                calls.append((root, shown))
        elif _is_variable_class(target) and (variable_error or node.lineno not in guarded):
            add("variable-in-function", "variable", node.lineno,
                f"{name} creates a variable with {shown}(...) each time it is traced; a tf.function may "
                "create variables only once, on its first call.",
                _VARIABLE_FIX, call=shown, failed=variable_error)
    for line, calls in frozen.items():
        calls.sort(key=lambda c: _column_of(func, line, c[1]))
        out[("numpy-in-function", str(line))] = _frozen_calls_diagnostic(name, summary, offset + line, calls)
    if variable_error and not any(k == "variable-in-function" for k, _ in out):
        out[("variable-in-function", "variable")] = Diagnostic(
            kind="variable-in-function", severity="warning",
            message=f"{name} tried to create a variable again after its first call, which tf.function does "
                    "not allow.",
            fix=_VARIABLE_FIX, function=summary.name, line=summary.line, details={"failed": True},
        )
    return sorted(out.values(), key=lambda d: (d.line or 0, d.kind))


def _column_of(func: ast.AST, line: int, shown: str) -> int:
    """Where on ``line`` the call spelled ``shown`` starts (calls listed left to right)."""
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and node.lineno == line and _dotted(node.func) == shown:
            return node.col_offset
    return 0
