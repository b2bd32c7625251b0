"""Output probe: records what learner code printed, while still showing it."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..report import Diagnostic

__all__ = ["OutputObservation", "OutputProbe"]


@dataclass(frozen=True)
class OutputObservation:
    stdout: str = ""
    stderr: str = ""

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


class _Tee(io.TextIOBase):
    """Writes to the original stream (when echoing) and to a record."""

    def __init__(self, original: TextIO, record: io.StringIO, echo: bool) -> None:
        self._original, self._record, self._echo = original, record, echo

    def write(self, text: str) -> int:
        self._record.write(text)
        if self._echo:
            self._original.write(text)
        return len(text)

    def flush(self) -> None:
        if self._echo:
            self._original.flush()

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:   # encoding, fileno, ... of the real stream
        return getattr(self._original, name)


class OutputProbe:
    name = "output"

    def __init__(self, context: Any) -> None:
        self._echo = context.echo_output
        self._out, self._err = io.StringIO(), io.StringIO()
        self._saved: tuple[TextIO, TextIO] | None = None

    def __enter__(self) -> "OutputProbe":
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout = _Tee(sys.stdout, self._out, self._echo)   # type: ignore[assignment]
        sys.stderr = _Tee(sys.stderr, self._err, self._echo)   # type: ignore[assignment]
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._saved is not None
        sys.stdout, sys.stderr = self._saved

    def observation(self) -> OutputObservation:
        return OutputObservation(stdout=self._out.getvalue(), stderr=self._err.getvalue())

    def diagnostics(self) -> list[Diagnostic]:
        return []
