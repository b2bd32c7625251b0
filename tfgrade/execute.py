"""Run a cell's source in the user namespace and describe the outcome in the learner's terms.

The learner's exception is caught and recorded (type, message, line in the cell, the
learner's own frames); it never escapes, so the kernel and later cells go on.
Line numbers count the ``%%tfcheck`` line as line 1, as the notebook shows them.
"""

from __future__ import annotations

import ast
import itertools
import linecache
import re
import sys
import time
import traceback
from types import TracebackType
from typing import Any, MutableMapping

from .observations import CellOutcome
from .report import CellError, TracebackFrame

__all__ = ["run_cell", "is_learner_filename", "learner_frames", "describe_exception", "CELL_FILENAME_PREFIX"]

CELL_FILENAME_PREFIX = "<tfcheck-cell-"
_counter = itertools.count(1)
# Frames of other notebook cells count as the learner's own code too.
_NOTEBOOK_CELL = re.compile(r"(^<ipython-input-|/ipykernel_\d+/\d+\.py$|^<cell line)")


def is_learner_filename(filename: str) -> bool:
    return filename.startswith(CELL_FILENAME_PREFIX) or bool(_NOTEBOOK_CELL.search(filename))


def learner_frames(tb: TracebackType | None) -> tuple[TracebackFrame, ...]:
    frames = []
    for summary in traceback.extract_tb(tb):
        if is_learner_filename(summary.filename):
            frames.append(TracebackFrame(line=summary.lineno or 0, code=(summary.line or "").strip(), function=summary.name))
    return tuple(frames)


def describe_exception(exc: BaseException) -> CellError:
    """A CellError for any exception, pointing at the deepest learner line it went through."""
    if isinstance(exc, SyntaxError) and exc.filename and is_learner_filename(exc.filename):
        code = (exc.text or "").rstrip("\n").strip()
        return CellError(type=type(exc).__name__, message=exc.msg, line=exc.lineno,
                         traceback=(TracebackFrame(line=exc.lineno or 0, code=code),))
    frames = learner_frames(exc.__traceback__)
    message = str(exc) or repr(exc)
    return CellError(type=type(exc).__name__, message=message,
                     line=frames[-1].line if frames else None, traceback=frames)


def _transform(source: str, shell: Any) -> str:
    # IPython syntax inside the cell body (%magics, !commands) is translated as IPython does.
    return shell.transform_cell(source) if shell is not None else source


def run_cell(
    source: str,
    namespace: MutableMapping[str, Any],
    *,
    shell: Any = None,
    first_line: int = 2,
    label: str = "cell",
) -> CellOutcome:
    """Execute ``source`` (the cell body) in ``namespace``; never raises for learner errors.

    ``first_line`` is the notebook line number of the body's first line (2 under a
    ``%%tfcheck`` line). The last expression is shown as a normal cell would show it.
    """
    filename = f"{CELL_FILENAME_PREFIX}{label}-{next(_counter)}>"
    padded = "\n" * (first_line - 1) + _transform(source, shell)
    # Tracebacks and inspect.getsource find the learner's lines through linecache.
    linecache.cache[filename] = (len(padded), None, padded.splitlines(True), filename)
    before = {k: id(v) for k, v in namespace.items()}
    started = time.perf_counter()
    error: CellError | None = None
    try:
        tree = ast.parse(padded, filename=filename, mode="exec")
        last_expr = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, filename, "exec"), namespace)  # noqa: S102 - running the learner's cell is the job
        if last_expr is not None:
            # "single" mode sends the value to sys.displayhook, as a notebook cell does.
            exec(compile(ast.Interactive(body=[last_expr]), filename, "single"), namespace)  # noqa: S102
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the learner's error, SystemExit included, is a result
        error = describe_exception(exc)
        exc.__traceback__ = None
    duration = time.perf_counter() - started
    defined = tuple(k for k, v in namespace.items() if before.get(k) != id(v) and not k.startswith("_"))
    return CellOutcome(error=error, duration=duration, defined=defined, filename=filename)
