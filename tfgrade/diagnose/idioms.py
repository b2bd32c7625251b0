"""Static scan of a cell's source for Keras-2-only idioms and graph-unfriendly calls.

:func:`scan_source` reads the cell (it never runs anything) and returns one
:class:`~tfgrade.report.Diagnostic` per finding, each naming the Keras 3 / graph-friendly
spelling. The tracing probe calls it on the cell it watched (``context.cell_source``, lines
counted from ``context.first_line``), so the findings come with the tracing diagnostics and
are reported once per cell.

Kinds: ``keras2-idiom`` (``reset_states``, ``dynamic=True``, ``add_weight("name", shape)``,
``fit_generator``, ``lr=``, ``experimental_relax_shapes=``, ``keras.optimizers.legacy``,
saving to a path without the Keras 3 extension), ``run-eagerly`` (``run_eagerly=True``),
``py-function`` (``tf.py_function`` / ``tf.numpy_function``).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from ..report import Diagnostic

__all__ = ["scan_source"]

_OPTIMIZERS = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion",
               "Adafactor"}
_GENERATOR_METHODS = {"fit_generator": "fit", "evaluate_generator": "evaluate", "predict_generator": "predict",
                      "train_on_batch_generator": "train_on_batch"}
_MAGIC_LINE = re.compile(r"^\s*[%!]")


def _parse(source: str) -> ast.AST | None:
    # IPython lines (%magic, !shell) are blanked so that the rest still parses, same line numbers.
    lines = ["\n" if _MAGIC_LINE.match(line) else line for line in source.splitlines(True)]
    try:
        return ast.parse("".join(lines))
    except SyntaxError:
        return None


def _callee_name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:
        return ""


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def scan_source(source: str, line_offset: int = 1) -> list[Diagnostic]:
    """Findings about ``source`` (a cell body); ``line_offset`` is added to its line numbers.

    ``line_offset`` is the notebook line of the body's first line minus one: 1 under a
    ``%%tfcheck`` line (the probes pass ``ProbeContext.first_line - 1``).
    """
    tree = _parse(source) if source and source.strip() else None
    if tree is None:
        return []
    offset = line_offset
    found: dict[tuple[str, int, str], Diagnostic] = {}

    def add(kind: str, severity: str, node: ast.AST, key: str, message: str, fix: str, **details: Any) -> None:
        line = getattr(node, "lineno", 0) + offset
        found.setdefault((kind, line, key), Diagnostic(
            kind=kind, severity=severity, message=message, fix=fix, line=line,  # type: ignore[arg-type]
            details={"idiom": key, **details},
        ))

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "legacy" and _dotted(node.value).endswith("optimizers"):
            add("keras2-idiom", "info", node, "optimizers.legacy",
                "keras.optimizers.legacy holds the Keras 2 optimizers, which Keras 3 no longer has.",
                "Use the optimizers in keras.optimizers (for example keras.optimizers.Adam).")
        if not isinstance(node, ast.Call):
            continue
        name = _callee_name(node.func)
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if name == "reset_states" and isinstance(node.func, ast.Attribute):
            add("keras2-idiom", "info", node, "reset_states",
                "reset_states() is the Keras 2 spelling: Keras 3 metrics only have reset_state().",
                "Call .reset_state() instead of .reset_states().")
        if _is_true(keywords.get("dynamic")):
            add("keras2-idiom", "warning", node, "dynamic",
                "dynamic=True was a Keras 2 option; Keras 3 layers raise an error when given it.",
                "Remove dynamic=True and write call() with TensorFlow (or keras.ops) operations; "
                "for debugging, compile the model with run_eagerly=True instead.")
        if name == "add_weight" and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            add("keras2-idiom", "warning", node, "add_weight",
                "add_weight() takes the shape first in Keras 3, so a name passed as the first positional "
                "argument is read as the shape.",
                f"Pass everything by keyword: self.add_weight(name={node.args[0].value!r}, shape=..., "
                "initializer=...).")
        if name in _GENERATOR_METHODS and isinstance(node.func, ast.Attribute):
            new = _GENERATOR_METHODS[name]
            add("keras2-idiom", "warning", node, name,
                f"{name}() was removed in Keras 3.",
                f"Call .{new}(...) directly: it accepts generators and tf.data datasets.")
        if name in _OPTIMIZERS and "lr" in keywords:
            add("keras2-idiom", "warning", node, "lr",
                f"{name}(lr=...) is the Keras 2 spelling; Keras 3 optimizers reject the lr argument.",
                f"Write {name}(learning_rate=...).")
        if "experimental_relax_shapes" in keywords:
            add("keras2-idiom", "info", node, "experimental_relax_shapes",
                "experimental_relax_shapes is the old name of a tf.function option.",
                "Use tf.function(reduce_retracing=True).")
        if name in {"save", "save_weights"} and isinstance(node.func, ast.Attribute) and len(node.args) == 1 \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str) \
                and _dotted(node.func.value) not in {"np", "numpy", "tf", "tensorflow"}:
            path = node.args[0].value
            if name == "save_weights":
                wanted, rule, example = (".weights.h5",), "saves weights only to a file ending in .weights.h5", \
                    "model.weights.h5"
            else:
                wanted, rule, example = (".keras", ".h5"), \
                    "saves a whole model only to a .keras (or legacy .h5) file", "model.keras"
            if not path.endswith(wanted):
                add("keras2-idiom", "warning", node, name,
                    f"Keras 3 {rule}, so {name}({path!r}) fails.",
                    f"Use a path such as {example!r}; for a SavedModel directory use model.export(path).")
        if _is_true(keywords.get("run_eagerly")):
            add("run-eagerly", "info", node, "run_eagerly",
                "run_eagerly=True makes Keras run every training step as plain Python: it allows code "
                "that cannot be traced, but it is much slower than a compiled graph.",
                "Keep run_eagerly=True only where the model really needs Python control flow, or while "
                "debugging.")
        if name in {"py_function", "numpy_function"} and _dotted(node.func).split(".")[0] in {"tf", "tensorflow"}:
            add("py-function", "info", node, name,
                f"tf.{name} runs Python outside the graph: it is slower, it pins the work to the CPU and "
                "it cannot be saved with the model.",
                "Write the computation with TensorFlow operations so it is traced into the graph.")
    return sorted(found.values(), key=lambda d: (d.line or 0, d.kind, d.details.get("idiom", "")))
