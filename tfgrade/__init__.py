"""tfgrade: inline grading of TensorFlow/Keras exercises, with TensorFlow-aware diagnostics.

In a notebook::

    %load_ext tfgrade

    %%tfcheck ex12
    class LayerNormalization(keras.layers.Layer):
        ...

From Python: ``tfgrade.check("ex12", namespace)`` grades what ``namespace`` defines and
returns a :class:`Report`; ``tfgrade.run_and_check("ex12", source)`` runs a cell first.
"""

# No `from __future__ import annotations` and private aliases only: every public name of this
# module is in __all__ (tests/unit/test_public_api.py derives the public names from vars()).
from typing import Any as _Any, MutableMapping as _MutableMapping

from .catalog import get_exercise, list_exercises
from .errors import CheckTimeout, NotebookError, SpecError, TfgradeError, UnknownExerciseError
from .report import CellError, CheckResult, Diagnostic, Report
from .spec import Exercise

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "check",
    "run_and_check",
    "get_exercise",
    "list_exercises",
    "load_ipython_extension",
    "unload_ipython_extension",
    "Exercise",
    "Report",
    "CheckResult",
    "Diagnostic",
    "CellError",
    "TfgradeError",
    "SpecError",
    "UnknownExerciseError",
    "NotebookError",
    "CheckTimeout",
]


def check(exercise: str | Exercise, namespace: _MutableMapping[str, _Any], **settings: _Any) -> Report:
    """Grade what ``namespace`` already defines (no cell is run, so no cell observations)."""
    from .config import load_settings
    from .engine import grade

    spec = exercise if isinstance(exercise, Exercise) else get_exercise(exercise)
    return grade(spec, namespace, settings=load_settings(**settings))


def run_and_check(
    exercise: str | Exercise, source: str, namespace: _MutableMapping[str, _Any] | None = None, **settings: _Any
) -> Report:
    """Run ``source`` as the exercise's cell (under probes) in ``namespace``, then grade it."""
    from .config import load_settings
    from .engine import run_and_grade

    spec = exercise if isinstance(exercise, Exercise) else get_exercise(exercise)
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    return run_and_grade(spec, source, namespace, settings=load_settings(**settings), first_line=1)


def load_ipython_extension(ipython: _Any) -> None:
    """``%load_ext tfgrade``: registers ``%%tfcheck``; importing the magic only now keeps import light."""
    from .magic import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: _Any) -> None:
    from .magic import unload_ipython_extension as unload

    unload(ipython)
