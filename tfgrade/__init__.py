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


_SETTINGS_KEYWORDS = """
    Keyword settings (each overrides tfgrade.toml and ``TFGRADE_*`` for this call; a bad value
    raises ``tfgrade.config.SettingsError`` naming it):

    - ``include_hidden`` (bool): also run the hidden, grader-only checks.
    - ``time_scale`` (positive number): multiplies every check's time limit.
    - ``seed`` (int): seed the cell and the checks with this instead of the exercise's seed.
    - ``probes`` (sequence of "output", "tracing", "devices", "optimizers"; empty for none).
    - ``widget`` (bool), ``data_dir`` (folder of Fashion-MNIST IDX files), ``offline`` (bool),
      ``extra_exercise_dirs`` (course folders to look the exercise up in).
"""


def check(exercise: str | Exercise, namespace: _MutableMapping[str, _Any], **settings: _Any) -> Report:
    """Grade what ``namespace`` already defines (no cell is run, so no cell observations)."""
    from .config import load_settings
    from .engine import grade

    resolved = load_settings(**settings)
    spec = exercise if isinstance(exercise, Exercise) else get_exercise(exercise, settings=resolved)
    return grade(spec, namespace, settings=resolved)


def run_and_check(
    exercise: str | Exercise, source: str, namespace: _MutableMapping[str, _Any] | None = None, *,
    run_setup: bool = True, **settings: _Any,
) -> Report:
    """Run the exercise's ``setup.py``, then ``source`` as its cell (under probes), then grade.

    The setup code (imports, data) is what the notebook cells above the graded one hold, so
    ``source`` can use ``keras`` or ``tf`` as a learner's cell would. ``namespace`` defaults to a
    fresh one; pass ``run_setup=False`` when it already holds what setup.py defines. A setup
    that raises is a ``SpecError`` naming setup.py.
    """
    from .config import load_settings
    from .engine import run_and_grade
    from .validate import run_setup as run_exercise_setup

    resolved = load_settings(**settings)
    spec = exercise if isinstance(exercise, Exercise) else get_exercise(exercise, settings=resolved)
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    if run_setup:
        run_exercise_setup(spec, namespace)
    return run_and_grade(spec, source, namespace, settings=resolved, first_line=1)


check.__doc__ = (check.__doc__ or "") + "\n" + _SETTINGS_KEYWORDS
run_and_check.__doc__ = (run_and_check.__doc__ or "") + "\n" + _SETTINGS_KEYWORDS


def load_ipython_extension(ipython: _Any) -> None:
    """``%load_ext tfgrade``: registers ``%%tfcheck``; importing the magic only now keeps import light."""
    from .magic import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: _Any) -> None:
    from .magic import unload_ipython_extension as unload

    unload(ipython)
