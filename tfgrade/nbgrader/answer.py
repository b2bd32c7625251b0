"""``%%tfanswer ID``: the first line of an nbgrader answer cell.

The cell runs as any cell does (output shown, the last expression displayed), under
tfgrade's probes, so the grade cells below can check what TensorFlow was seen doing
(optimizer updates, printed training numbers, tracing), not only what the cell defined.
No checks run here: the grade cells do that. An error in the cell is reported on stderr
in the learner's terms, and the cells below still run.
"""

from __future__ import annotations

import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class

__all__ = ["TfanswerMagics", "load_ipython_extension"]


@magics_class
class TfanswerMagics(Magics):
    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.observations: dict[str, Any] = {}   # exercise id -> Observations of its last answer run

    @cell_magic
    def tfanswer(self, line: str, cell: str) -> None:
        from ..catalog import get_exercise
        from ..engine import observe_cell
        from ..errors import UnknownExerciseError

        try:
            exercise = get_exercise(line.strip())
        except UnknownExerciseError as exc:
            raise UsageError(str(exc)) from None
        observations = observe_cell(exercise, cell, self.shell.user_ns, shell=self.shell, first_line=2)
        self.observations[exercise.id] = observations
        error = observations.cell.error if observations.cell else None
        if error is not None:
            lines = [f"{error.describe()}"] + [f"  line {f.line}: {f.code}" for f in error.traceback]
            sys.stderr.write("\n".join(lines) + "\n")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext tfgrade.nbgrader``: everything ``%load_ext tfgrade`` does, plus ``%%tfanswer``."""
    from ..magic import load_ipython_extension as load_tfgrade

    load_tfgrade(ipython)
    if "TfanswerMagics" not in ipython.magics_manager.registry:
        ipython.register_magics(TfanswerMagics(ipython))
