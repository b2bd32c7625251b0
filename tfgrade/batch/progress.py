"""Progress of a batch: a rich bar on a terminal, one plain line per submission otherwise (logs, CI)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from .model import SubmissionResult

__all__ = ["BatchProgress", "describe"]


def describe(result: SubmissionResult, reused: bool = False) -> str:
    score = f"{result.score:g}/{result.max_score:g}"
    trouble = next((f"{row.exercise or '-'}: {row.status}: {row.reason}" for row in result.rows if not row.ok), "")
    where = "stored result" if reused else f"{result.seconds:.1f} s"
    return f"{result.submission}: {score} {result.status} ({where})" + (f" - {trouble}" if trouble else "")


class BatchProgress:
    """Context manager; ``done(result)`` after each submission."""

    def __init__(self, total: int, stream: TextIO | None = None, rich: bool | None = None) -> None:
        self.total = total
        self.count = 0
        self.stream = stream or sys.stderr
        self.rich = self.stream.isatty() if rich is None else rich
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> "BatchProgress":
        if self.rich:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(file=self.stream, highlight=False)
            self._progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                      TextColumn("{task.description}"), console=console, transient=False)
            self._progress.__enter__()
            self._task = self._progress.add_task("", total=self.total)
        else:
            print(f"grading {self.total} submission(s)", file=self.stream, flush=True)
        return self

    def done(self, result: SubmissionResult, reused: bool = False) -> None:
        self.count += 1
        line = describe(result, reused)
        if self._progress is not None:
            self._progress.console.print(line, markup=False)
            self._progress.update(self._task, advance=1, description=result.submission)
        else:
            print(f"[{self.count}/{self.total}] {line}", file=self.stream, flush=True)

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
