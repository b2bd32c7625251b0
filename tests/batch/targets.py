"""Stand-in grading-process bodies for pool tests (importable by the fork server's children)."""

from __future__ import annotations

import time


def raising(job, launch, sender) -> None:
    raise RuntimeError(f"boom in {job.submission}")


def sleepy(job, launch, sender) -> None:
    """The first submission finishes last: results must still come back in input order."""
    time.sleep(3.0 if job.submission.startswith("a") else 0.0)
