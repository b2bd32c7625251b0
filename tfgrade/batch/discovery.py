"""Which submissions a batch holds, who each one is, and what the grader will grade in it.

A submission is identified by its path relative to the folder given (``a/hw.ipynb`` and
``b/hw.ipynb`` are two students). Its notebook is read once, here, before any submission runs:
what is graded is these bytes, whatever a neighbour later does to the file on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = [
    "BatchUsageError", "Submission", "CodeCell", "find_submissions", "parse_notebook", "code_cells",
    "tfcheck_names", "folder_files", "TFCHECK_LINE",
]

TFCHECK_LINE = re.compile(r"\A\s*%%tfcheck(?:\s+(\S+))?")
SKIP_TAGS = {"skip-execution"}
# A private copy of a submission's folder holds the student's own files, not other students' or
# grader settings; these caps keep one huge folder from filling the disk.
MAX_FILE_BYTES = 100 * 2**20
MAX_FOLDER_BYTES = 400 * 2**20
_NEVER_COPIED = {".ipynb_checkpoints", "__pycache__", ".git", "tfgrade.toml"}


class BatchUsageError(ValueError):
    """The command line names something that cannot be graded (exit code 2)."""


@dataclass(frozen=True)
class Submission:
    id: str                  # path relative to the folder given
    path: Path               # absolute path of the notebook
    content: bytes           # the notebook file as read at discovery
    others: frozenset[Path] = frozenset()   # the other submissions' notebooks (never copied along)

    @property
    def sha256(self) -> str:
        return "sha256:" + hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class CodeCell:
    index: int               # 1-based position among all cells, as a notebook shows it
    source: str
    tfcheck: str | None      # the name after ``%%tfcheck`` ("" when missing), None for a plain cell
    skipped: bool = False    # tagged ``skip-execution`` (honoured for plain cells only)


def _notebooks_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file())


def find_submissions(arguments: Sequence[str | os.PathLike[str]]) -> list[Submission]:
    """The notebooks named by ``arguments`` (files, or folders searched recursively), in a stable order."""
    if not arguments:
        raise BatchUsageError("name at least one notebook or folder of notebooks")
    found: list[Path] = []
    bases: list[Path] = []
    for raw in arguments:
        path = Path(raw).resolve()
        if not path.exists():
            raise BatchUsageError(f"{raw}: no such file or folder")
        if path.is_dir():
            notebooks = _notebooks_under(path)
            if not notebooks:
                raise BatchUsageError(f"{raw}: no notebooks (*.ipynb) in this folder")
            found.extend(notebooks)
            bases.append(path)
        else:
            found.append(path)
            bases.append(path.parent)
    unique = list(dict.fromkeys(found))
    base = Path(os.path.commonpath([str(b) for b in bases]))
    all_paths = frozenset(unique)
    submissions = []
    for path in unique:
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise BatchUsageError(f"{path}: cannot be read ({exc.strerror})") from None
        submissions.append(Submission(path.relative_to(base).as_posix(), path, content, all_paths - {path}))
    return submissions


def parse_notebook(content: bytes) -> Any:
    """The notebook as an nbformat node, or ``ValueError`` with a one-line reason."""
    import nbformat

    if not content.strip():
        raise ValueError("the file is empty")
    try:
        raw = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("the file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(raw, dict) or "cells" not in raw:
        raise ValueError("valid JSON but not a notebook (no `cells`)")
    try:
        notebook = nbformat.reads(json.dumps(raw), as_version=4)
        nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        raise ValueError(f"not a valid notebook: {str(exc.message).splitlines()[0][:200]}") from None
    except Exception as exc:   # nbformat raises several kinds for odd files
        raise ValueError(f"not a readable notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})") from None
    return notebook


def code_cells(notebook: Any) -> list[CodeCell]:
    """The code cells to run, outputs ignored (whatever a notebook stored is never read)."""
    cells = []
    for index, cell in enumerate(notebook.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        match = TFCHECK_LINE.match(source)
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        cells.append(CodeCell(index, source, (match.group(1) or "") if match else None, bool(tags & SKIP_TAGS)))
    return cells


def tfcheck_names(cells: Iterable[CodeCell]) -> list[str]:
    """Exercise names of the ``%%tfcheck`` cells, each once, in order of first appearance."""
    return list(dict.fromkeys(c.tfcheck for c in cells if c.tfcheck is not None))


def _blocked_dirs(folder: Path, others: Iterable[Path]) -> set[Path]:
    """Folders below ``folder`` that hold another student's notebook: not part of this student's copy."""
    blocked: set[Path] = set()
    for other in others:
        parent = other.parent
        while parent != folder and folder in parent.parents:
            blocked.add(parent)
            parent = parent.parent
    return blocked


def folder_files(submission: Submission) -> dict[str, bytes]:
    """The files of the submission's folder for its private copy, keyed by relative path.

    Left out: other students' notebooks and folders, grader settings (``tfgrade.toml``),
    checkpoints, and files over the size caps.
    """
    folder = submission.path.parent
    blocked = _blocked_dirs(folder, submission.others)
    files: dict[str, bytes] = {}
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in _NEVER_COPIED and here / d not in blocked)
        for name in sorted(filenames):
            path = here / name
            if name in _NEVER_COPIED or path in submission.others or path == submission.path or not path.is_file():
                continue
            size = path.stat().st_size
            if size > MAX_FILE_BYTES or total + size > MAX_FOLDER_BYTES:
                continue
            try:
                files[path.relative_to(folder).as_posix()] = path.read_bytes()
            except OSError:
                continue
            total += size
    files[submission.path.name] = submission.content
    return files
