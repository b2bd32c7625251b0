"""Keep a grade cell's stderr empty: nbgrader scores a cell with *any* stderr output 0.

Around the grading, file descriptor 2 (TensorFlow's C++ logs such as "failed call to
cuInit", oneDNN notices), ``sys.stderr`` (Python writes), logging handlers that hold the
kernel's stderr stream, and Python warnings are all diverted; what they said becomes
diagnostics in the Report instead (see :func:`captured_diagnostics`).
"""

from __future__ import annotations

import io
import logging
import os
import sys
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from ..report import Diagnostic
from ..startup import is_start_up_noise

__all__ = ["Captured", "stderr_kept_out", "captured_diagnostics"]

_MAX_TEXT = 20_000   # characters of diverted stderr kept in the Report


@dataclass
class Captured:
    """What was diverted from stderr while grading."""

    text: str = ""
    warnings: list[warnings.WarningMessage] = field(default_factory=list)


def _stderr_handlers(streams: tuple[object, ...]) -> list[logging.StreamHandler]:
    loggers = [logging.getLogger(), *(v for v in logging.Logger.manager.loggerDict.values()
                                     if isinstance(v, logging.Logger))]
    found: dict[int, logging.StreamHandler] = {}
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and any(handler.stream is s for s in streams):
                found[id(handler)] = handler
    return list(found.values())


def _flush(*streams: object) -> None:
    for stream in streams:
        try:
            stream.flush()  # type: ignore[attr-defined]
        except Exception:   # a closed or odd stream must not stop grading
            pass


@contextmanager
def stderr_kept_out() -> Iterator[Captured]:
    """Divert everything that would reach stderr; the yielded :class:`Captured` is filled on exit."""
    captured = Captured()
    python_err = io.StringIO()
    kernel_err, real_err = sys.stderr, sys.__stderr__
    _flush(kernel_err, real_err)
    handlers = _stderr_handlers((kernel_err, real_err))
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        previous = [h.setStream(python_err) for h in handlers]
        sys.stderr = python_err
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                yield captured
        finally:
            sys.stderr = kernel_err
            for handler, stream in zip(handlers, previous):
                handler.setStream(stream)
            _flush(real_err)
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            sink.seek(0)
            raw = sink.read().decode("utf-8", errors="replace")
            captured.text = (raw + python_err.getvalue())[:_MAX_TEXT]
            captured.warnings = list(caught)


def captured_diagnostics(captured: Captured) -> list[Diagnostic]:
    """Diverted stderr as diagnostics: one per distinct warning, one for the other text."""
    seen: dict[str, Diagnostic] = {}
    for w in captured.warnings:
        text = f"{w.category.__name__}: {w.message}"
        seen.setdefault(text, Diagnostic(kind="python-warning", severity="info", message=text, source="checks",
                                         details={"file": str(w.filename), "line": w.lineno}))
    out = list(seen.values())
    # TensorFlow's start-up lines (cuInit on GPU-less machines, oneDNN, ...) are not news to anyone.
    lines = [line for line in captured.text.splitlines() if not is_start_up_noise(line)]
    if lines:
        shown = lines[0] if len(lines) == 1 else f"{lines[0]} (and {len(lines) - 1} more lines)"
        out.append(Diagnostic(
            kind="stderr", severity="info", source="checks",
            message=f"Written to stderr while grading, kept out of the grade cell: {shown}",
            fix="Nothing to do: nbgrader would have scored the cell 0 for any stderr output, so it is kept here.",
            details={"text": "\n".join(lines)},
        ))
    return out
