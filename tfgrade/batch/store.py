"""The output folder: one JSON per submission and ``grades.csv``, each replaced atomically.

A submission's JSON is written the moment it is graded (write to a temporary file, then rename),
and the CSV is rewritten from everything graded so far; an interrupted batch therefore leaves
complete files behind. On the next run a stored result is reused when the notebook's content
hash, the hidden-checks setting and every graded exercise's version are the same (``--force``
regrades).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable
from urllib.parse import quote

from .model import CSV_HEADER, SubmissionResult

__all__ = ["ResultStore", "atomic_write"]

CSV_NAME = "grades.csv"
RESULTS_FOLDER = "submissions"


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


class ResultStore:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise NotADirectoryError(f"{folder}: exists and is not a folder")
        (self.folder / RESULTS_FOLDER).mkdir(parents=True, exist_ok=True)

    @property
    def csv_path(self) -> Path:
        return self.folder / CSV_NAME

    def json_path(self, submission: str) -> Path:
        # Reversible and collision-free: "a/hw.ipynb" -> "a%2Fhw.ipynb.json".
        return self.folder / RESULTS_FOLDER / (quote(submission, safe="") + ".json")

    def load(self, submission: str) -> SubmissionResult | None:
        path = self.json_path(submission)
        try:
            return SubmissionResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None    # missing or unreadable: graded again

    def reusable(self, submission: str, sha256: str, include_hidden: bool,
                 versions: dict[str, str]) -> SubmissionResult | None:
        """The stored result, if it was made from this very notebook by the same checks."""
        stored = self.load(submission)
        if stored is None or stored.sha256 != sha256 or stored.include_hidden != include_hidden:
            return None
        graded = [row for row in stored.rows if row.exercise in versions]
        if any(row.exercise_version != versions[row.exercise] for row in graded):
            return None
        if {row.exercise for row in graded} != set(versions):
            return None
        if any(row.status in ("timeout", "memory", "crashed") for row in stored.rows):
            return None    # worth another try: the limits or the machine may have changed
        return stored

    def save(self, result: SubmissionResult) -> None:
        atomic_write(self.json_path(result.submission), json.dumps(result.to_dict(), indent=1))

    def write_csv(self, results: Iterable[SubmissionResult | None]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        for result in results:
            if result is not None:
                writer.writerows(result.csv_rows())
        atomic_write(self.csv_path, buffer.getvalue())
