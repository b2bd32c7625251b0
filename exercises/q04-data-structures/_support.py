"""q04's check helper (not collected as checks): tell a value the cell computed from one it typed in."""

import ast
import linecache

_MODULES = {"tf", "np", "tensorflow", "numpy"}
# Calls that only wrap literal values; anything else (tf.strings.length, tf.sets...) computes.
_WRAPPERS = {"constant", "array", "asarray", "convert_to_tensor", "Variable", "cast", "SparseTensor"}


def typed_in(observations, name):
    """True when every assignment to ``name`` in the cell builds it from literals only: it names
    nothing but modules and calls nothing but tensor constructors (the answer was typed, not computed)."""
    cell = observations.cell
    if cell is None or not cell.filename:
        return False
    try:
        tree = ast.parse("".join(linecache.getlines(cell.filename)))
    except SyntaxError:
        return False
    values = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            values.append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            values.append(node.value)
    return bool(values) and all(value is not None and _literal(value) for value in values)


def _literal(expression):
    for node in ast.walk(expression):
        if isinstance(node, ast.Name) and node.id not in _MODULES:
            return False
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called not in _WRAPPERS:
                return False
    return True
