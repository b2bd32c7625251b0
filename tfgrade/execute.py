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
import time
import traceback
from functools import lru_cache
from types import TracebackType
from collections.abc import Iterator, MutableMapping
from typing import Any

from .observations import CellOutcome
from .report import CellError, TracebackFrame

__all__ = ["run_cell", "is_learner_filename", "learner_frames", "describe_exception", "CELL_FILENAME_PREFIX"]

CELL_FILENAME_PREFIX = "<tfcheck-cell-"
_counter = itertools.count(1)
# Frames of other notebook cells count as the learner's own code too.
_NOTEBOOK_CELL = re.compile(r"(^<ipython-input-|/ipykernel_\d+/\d+\.py$|^<cell line)")


@lru_cache(maxsize=8192)   # the tamper scan asks about the same library files thousands of times
def is_learner_filename(filename: str) -> bool:
    return filename.startswith(CELL_FILENAME_PREFIX) or bool(_NOTEBOOK_CELL.search(filename))


def learner_frames(tb: TracebackType | None) -> tuple[TracebackFrame, ...]:
    frames = []
    for summary in traceback.extract_tb(tb):
        if is_learner_filename(summary.filename):
            frames.append(TracebackFrame(line=summary.lineno or 0, code=(summary.line or "").strip(),
                                         function=summary.name))
    return tuple(frames)


def describe_exception(exc: BaseException) -> CellError:
    """A CellError for any exception, pointing at the deepest learner line it went through."""
    from .error_text import exception_message

    if isinstance(exc, SyntaxError) and exc.filename and is_learner_filename(exc.filename):
        code = (exc.text or "").rstrip("\n").strip()
        return CellError(type=type(exc).__name__, message=str(exc.msg), line=exc.lineno,
                         traceback=(TracebackFrame(line=exc.lineno or 0, code=code),))
    frames = learner_frames(exc.__traceback__)
    return CellError(type=type(exc).__name__, message=exception_message(exc),
                     line=frames[-1].line if frames else None, traceback=frames)


class _StoreTracker(MutableMapping):
    """The cell's local namespace during ``exec``: reads and writes go straight to the user
    namespace, and every name the cell's own top-level code stores is remembered, so that a
    name rebound to the very same object (a class re-run, ``x = x``) still counts as defined."""

    def __init__(self, namespace: MutableMapping[str, Any]) -> None:
        self.namespace = namespace
        self.stored: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        return self.namespace[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self.namespace[name] = value
        self.stored.add(name)

    def __delitem__(self, name: str) -> None:
        del self.namespace[name]
        self.stored.discard(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.namespace)

    def __len__(self) -> int:
        return len(self.namespace)


def _defined_names(before: dict[str, Any], namespace: MutableMapping[str, Any], stored: set[str]) -> tuple[str, ...]:
    """Names this run bound: stored by the cell's code, or new / rebound by anything it called
    (a ``global`` in a function, ``%run``). The objects are kept in ``before``, so a freed
    object's id reused by a new one cannot hide a rebinding."""
    missing = object()
    names = [k for k, v in namespace.items()
             if not k.startswith("_") and (k in stored or before.get(k, missing) is not v)]
    return tuple(names)


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
    before = dict(namespace)
    tracker = _StoreTracker(namespace)
    started = time.perf_counter()
    error: CellError | None = None
    parsed = False
    try:
        tree = ast.parse(padded, filename=filename, mode="exec")
        parsed = True
        last_expr = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        code = compile(tree, filename, "exec")
        last = compile(ast.Interactive(body=[last_expr]), filename, "single") if last_expr is not None else None
        exec(code, namespace, tracker)  # noqa: S102 - running the learner's cell is the job
        if last is not None:
            # "single" mode sends the value to sys.displayhook, as a notebook cell does.
            exec(last, namespace, tracker)  # noqa: S102
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the learner's error, SystemExit included, is a result
        if isinstance(exc, SyntaxError) and is_learner_filename(exc.filename or ""):
            parsed = False          # compile() finds some errors (`return` outside a function) after parsing
        error = describe_exception(exc)
        exc.__traceback__ = None
    duration = time.perf_counter() - started
    defined = _defined_names(before, namespace, tracker.stored)
    before.clear()
    return CellOutcome(error=error, duration=duration, defined=defined, filename=filename, parsed=parsed)
