"""The exercises a batch grades with: frozen in memory at the start, and what each is worth.

Every grading process writes its own copy of the exercise files from these bytes before any
submission code runs, so a submission that edits its copy spoils nothing for anyone else, and
the installed catalog on disk is never read by a grading process. A check's points and the
exercise's maximum come from collecting the checks (pytest ``--collect-only``) in a process
that runs no submission code, never from what a submission's run reports.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from ..spec import Exercise, exercise_version, load_exercise

__all__ = ["ExerciseSnapshot", "CheckFacts", "snapshot_exercise", "materialize", "collect_check_facts"]

_LEFT_OUT = {"mutants", "__pycache__", ".pytest_cache"}


@dataclass(frozen=True)
class ExerciseSnapshot:
    id: str
    short_id: str
    version: str
    files: tuple[tuple[str, bytes], ...]     # (path relative to the exercise folder, content)


@dataclass(frozen=True)
class CheckFacts:
    """What an exercise is worth, from its check files alone."""

    max_score: float
    checks: tuple[tuple[str, float, bool], ...]     # (check id, points, hidden)

    def points(self) -> dict[str, float]:
        return {cid: pts for cid, pts, _ in self.checks}


def snapshot_exercise(exercise: Exercise) -> ExerciseSnapshot:
    files = []
    for dirpath, dirnames, filenames in os.walk(exercise.folder):
        dirnames[:] = sorted(d for d in dirnames if d not in _LEFT_OUT)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            files.append((path.relative_to(exercise.folder).as_posix(), path.read_bytes()))
    return ExerciseSnapshot(exercise.id, exercise.short_id, exercise_version(exercise.folder), tuple(files))


def materialize(snapshot: ExerciseSnapshot, parent: Path, replace: bool = False) -> Exercise:
    """Write the snapshot under ``parent``/<id> read-only and load it; its version must match.
    ``replace`` first removes a copy that was written before (and may have been edited since)."""
    folder = parent / snapshot.id
    if replace and folder.exists():
        for dirpath, _, _ in os.walk(folder):
            os.chmod(dirpath, 0o755)
        shutil.rmtree(folder)
    for relative, content in snapshot.files:
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    for dirpath, _, _ in os.walk(folder):
        os.chmod(dirpath, 0o555)
    exercise = load_exercise(folder)
    if exercise.version != snapshot.version:   # the copy is not what the batch started with
        raise RuntimeError(f"exercise {snapshot.id}: the written copy does not match the batch's snapshot")
    return exercise


def collect_check_facts(exercise: Exercise, include_hidden: bool) -> CheckFacts:
    """Collect (not run) the exercise's checks and add up their points."""
    from ..engine import collect_checks

    checks, errors = collect_checks(exercise, include_hidden)
    if errors:
        raise RuntimeError(f"exercise {exercise.id}: its checks could not be collected ({errors[0]})")
    return CheckFacts(round(sum(c.points for c in checks), 4), tuple((c.id, c.points, c.hidden) for c in checks))
