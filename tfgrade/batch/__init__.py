"""Grade a class's notebooks: isolated, limited, scored out of band, resumable, locally or on Dask.

Modules, in the order a submission meets them:

- :mod:`.discovery`  which notebooks, who each student is (path relative to the folder given)
- :mod:`.exercises`  the exercises frozen for the batch, and what each is worth
- :mod:`.plan`       what the grader grades in a notebook, and the rows it counts afterwards
- :mod:`.pool`       local grading processes forked from a TensorFlow-loaded server; limits
- :mod:`.worker`     inside a grading process: run the cells, grade the ``%%tfcheck`` ones
- :mod:`.sandbox`    isolation of a grading process (uid, network, environment, limits)
- :mod:`tfgrade.integrity`  put back grading code that a notebook replaced (shared with nbgrader grade cells)
- :mod:`.channel`    the out-of-band report channel, and what the grader accepts on it
- :mod:`.store`      the output folder: per-submission JSON, ``grades.csv``, resume
- :mod:`.progress`   rich progress on a terminal, plain lines otherwise
- :mod:`.dask_backend`  the same, with a dask.distributed cluster doing the work
"""

from __future__ import annotations

from .discovery import BatchUsageError
from .grading import BatchOptions, grade_batch
from .model import CSV_HEADER, STATUSES, ExerciseRow, SubmissionResult
from .progress import BatchProgress
from .sandbox import DEFAULT_MEMORY, parse_memory

__all__ = [
    "BatchOptions", "BatchProgress", "BatchUsageError", "CSV_HEADER", "DEFAULT_MEMORY", "ExerciseRow",
    "STATUSES", "SubmissionResult", "grade_batch", "parse_memory",
]
