"""Grade notebooks in fresh kernels: one kernel per notebook, several at once, with time limits.

A notebook that cannot be read, a kernel that dies, or a cell that runs past the time
limit is reported for that notebook alone; the other notebooks are graded as usual.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Literal

from .errors import NotebookError
from .report import MIME_TYPE, Report

__all__ = ["NotebookResult", "read_notebook", "grade_notebook", "grade_notebooks", "kernel_environment"]

Status = Literal["ok", "timeout", "crashed", "unreadable"]
_TFCHECK_LINE = re.compile(r"^\s*%%tfcheck\s+(\S+)", re.MULTILINE)


@dataclass(frozen=True)
class NotebookResult:
    path: str
    status: Status
    reports: tuple[Report, ...] = ()
    missing: tuple[str, ...] = ()          # %%tfcheck cells that produced no report
    problem: str = ""                       # what went wrong, for status != "ok"
    cell_errors: tuple[str, ...] = ()       # errors raised by ordinary (non-tfcheck) cells
    duration: float = 0.0
    executed: object = field(default=None, repr=False, compare=False)   # the executed notebook

    @property
    def score(self) -> float:
        return sum(r.score for r in self.reports)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.reports)


def kernel_environment(include_hidden: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "TF_CPP_MIN_LOG_LEVEL": env.get("TF_CPP_MIN_LOG_LEVEL", "3"),
        "TF_ENABLE_ONEDNN_OPTS": env.get("TF_ENABLE_ONEDNN_OPTS", "0"),
        "TFGRADE_WIDGET": "0",        # nobody looks at a widget in a batch run
        "TFGRADE_HIDDEN": "1" if include_hidden else env.get("TFGRADE_HIDDEN", "0"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        # Grading never waits on the network: cache, course data, else the labelled stand-in.
        "TFGRADE_OFFLINE": env.get("TFGRADE_OFFLINE", "1"),
    })
    return env


def read_notebook(path: Path):
    import nbformat

    try:
        notebook = nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise NotebookError(path, "no such file") from None
    except Exception as exc:   # nbformat raises several kinds for a corrupt file
        raise NotebookError(path, f"not a readable notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})") from None
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        raise NotebookError(path, f"not a valid notebook: {exc.message}") from None
    return notebook


def _reports_in(notebook) -> tuple[list[Report], list[str], list[str]]:
    reports: list[Report] = []
    missing: list[str] = []
    errors: list[str] = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        wanted = _TFCHECK_LINE.search(cell.source)
        found = [Report.from_dict(o["data"][MIME_TYPE]) for o in cell.get("outputs", [])
                 if MIME_TYPE in o.get("data", {})]
        reports.extend(found[-1:])
        if wanted and not found:
            missing.append(wanted.group(1))
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append(f"cell {index + 1}: {output.get('ename')}: {output.get('evalue')}")
    return reports, missing, errors


def grade_notebook(path: Path | str, *, timeout: float = 900, include_hidden: bool = False,
                   kernel_name: str | None = None) -> NotebookResult:
    """Run the notebook top to bottom in a fresh kernel and collect its tfgrade reports."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    path = Path(path)
    started = time.perf_counter()
    try:
        notebook = read_notebook(path)
    except NotebookError as exc:
        return NotebookResult(str(path), "unreadable", problem=str(exc))
    client = NotebookClient(
        notebook, timeout=timeout, allow_errors=True, kernel_name=kernel_name or "python3",
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    status: Status = "ok"
    problem = ""
    # The kernel's own stderr (TF start-up lines, a crash's last words) goes to a log, not our terminal.
    with tempfile.TemporaryFile("w+") as kernel_log:
        try:
            client.execute(env=kernel_environment(include_hidden), stderr=kernel_log)
        except CellTimeoutError:
            status, problem = "timeout", f"a cell ran longer than {timeout:g} s and was stopped"
        except DeadKernelError as exc:
            kernel_log.seek(0)
            last = [line for line in kernel_log.read().splitlines() if line.strip()][-3:]
            reason = str(exc).splitlines()[0] if str(exc) else "no reason given"
            status, problem = "crashed", f"the kernel died ({reason})" + (f"; its last words: {' | '.join(last)}" if last else "")
    reports, missing, errors = _reports_in(notebook)
    return NotebookResult(str(path), status, tuple(reports), tuple(missing), problem, tuple(errors),
                          round(time.perf_counter() - started, 2), executed=notebook)


def grade_notebooks(
    paths: Iterable[Path | str], *, jobs: int = 1, timeout: float = 900, include_hidden: bool = False,
    on_done: Callable[[NotebookResult], None] | None = None,
) -> list[NotebookResult]:
    """Grade many notebooks, ``jobs`` kernels at a time; results come back in input order."""
    paths = [Path(p) for p in paths]
    results: dict[Path, NotebookResult] = {}
    if jobs <= 1 or len(paths) <= 1:
        for path in paths:
            results[path] = grade_notebook(path, timeout=timeout, include_hidden=include_hidden)
            if on_done:
                on_done(results[path])
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(grade_notebook, p, timeout=timeout, include_hidden=include_hidden): p for p in paths}
            for future in as_completed(futures):
                path = futures[future]
                try:
                    results[path] = future.result()
                except Exception as exc:   # a worker that broke must not take the batch down
                    results[path] = NotebookResult(str(path), "crashed", problem=f"{type(exc).__name__}: {exc}")
                if on_done:
                    on_done(results[path])
    return [results[p] for p in paths]
