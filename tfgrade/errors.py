"""Exceptions raised by tfgrade.

The tree::

    TfgradeError                      base of everything tfgrade raises on purpose
    ├── SpecError                     an exercise folder or exercise.toml is invalid
    ├── UnknownExerciseError          no exercise with that id (carries close matches)
    └── NotebookError                 a notebook cannot be read or is not a notebook

    CheckTimeout (a BaseException)    a check ran past its time limit; raised inside the check, and
                                      not an Exception so that learner code's `except Exception`
                                      cannot swallow it (like KeyboardInterrupt)

A learner's own exception is never wrapped in one of these: it is recorded in the
Report as ``cell_error`` and the kernel goes on.
"""

from __future__ import annotations

__all__ = ["TfgradeError", "SpecError", "UnknownExerciseError", "NotebookError", "CheckTimeout"]


class TfgradeError(Exception):
    """Base class of the errors tfgrade raises on purpose."""


class SpecError(TfgradeError):
    """An exercise folder is malformed; the message names the file and the fix."""

    def __init__(self, path: object, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


class UnknownExerciseError(TfgradeError, LookupError):
    """No exercise has that id; ``suggestions`` lists the closest known ids."""

    def __init__(self, requested: str, suggestions: list[str], known: list[str]) -> None:
        self.requested = requested
        self.suggestions = suggestions
        self.known = known
        hint = f" Did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(
            f"No exercise called {requested!r}.{hint} Known exercises: {', '.join(known)}. "
            "`%tfcheck list` shows them all."
        )


class NotebookError(TfgradeError):
    """A notebook file cannot be graded (unreadable, not JSON, not nbformat)."""

    def __init__(self, path: object, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


class CheckTimeout(BaseException):
    """Raised inside a check that ran past its time limit, so the check stops.

    ``seconds`` is the limit; ``elapsed`` how long the check really ran (set when it stopped).
    """

    def __init__(self, seconds: float | None = None, elapsed: float | None = None) -> None:
        self.seconds = seconds
        self.elapsed = elapsed
        super().__init__(seconds, elapsed)

    def __str__(self) -> str:
        limit = f"its limit of {self.seconds:g} s" if self.seconds else "its time limit"
        ran = f" after {self.elapsed:.1f} s" if self.elapsed else ""
        return f"stopped{ran}: the check ran past {limit}"
