"""Content hashes that tie a grade cell to the checks it was written for.

A grade cell records the hash of the exercise's visible grading files (exercise.toml,
checks.py and helper modules) or of its hidden checks. At grading time the installed
exercise is hashed again: a difference means the checks changed since the assignment was
generated, and the Report says so.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..spec import Exercise

__all__ = ["visible_digest", "hidden_digest", "NOT_GRADING_FILES"]

# Files of an exercise folder that do not decide a grade (or are hashed separately).
NOT_GRADING_FILES = {"solution.py", "starter.py", "setup.py", "hidden_checks.py"}


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()[:16]


def visible_digest(exercise: Exercise) -> str:
    folder = exercise.folder
    files = [p for p in sorted(folder.glob("*")) if p.name == "exercise.toml"
             or (p.suffix == ".py" and p.name not in NOT_GRADING_FILES)]
    return _digest(files)


def hidden_digest(exercise: Exercise) -> str | None:
    path = exercise.hidden_checks_path
    return None if path is None else _digest([path])
