"""``%%tfcheck`` / ``%tfcheck``: run a cell, grade it, show the results card.

Usage::

    %%tfcheck ex12 [--hidden] [--seed N] [--time-scale X] [--no-widget]
    <the learner's code>

    %tfcheck ex12          re-grade what the namespace holds now, without running anything
    %tfcheck list          the catalog, with this session's best score per exercise
    %tfcheck show ex12     the exercise's prompt
"""

from __future__ import annotations

import html
import os
import shlex
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import Markdown, display

from .catalog import get_exercise, list_exercises
from .config import Settings, load_settings
from .errors import UnknownExerciseError
from .observations import Observations
from .report import Report
from .spec import Exercise

__all__ = ["TfcheckMagics", "load_ipython_extension", "unload_ipython_extension"]

_USAGE = "usage: %%tfcheck EXERCISE [--hidden] [--seed N] [--time-scale X] [--no-widget] | %tfcheck list | %tfcheck show EXERCISE"


@dataclass
class _Session:
    """What this kernel remembers between cells: best scores, and the last run per exercise."""

    best: dict[str, Report] = field(default_factory=dict)
    last_observations: dict[str, Observations] = field(default_factory=dict)

    def record(self, report: Report) -> None:
        best = self.best.get(report.exercise)
        if best is None or report.score >= best.score:
            self.best[report.exercise] = report


def _parse(line: str) -> tuple[str, dict[str, Any]]:
    words = shlex.split(line)
    if not words:
        raise UsageError(f"Which exercise? {_USAGE}")
    name, options = words[0], {}
    rest = iter(words[1:])
    for word in rest:
        if word == "--hidden":
            options["include_hidden"] = True
        elif word == "--no-widget":
            options["widget"] = False
        elif word in ("--seed", "--time-scale"):
            value = next(rest, None)
            if value is None:
                raise UsageError(f"{word} needs a value. {_USAGE}")
            try:
                options["seed" if word == "--seed" else "time_scale"] = int(value) if word == "--seed" else float(value)
            except ValueError:
                raise UsageError(f"{word} needs a number, not {value!r}.") from None
        else:
            raise UsageError(f"Unknown option {word!r}. {_USAGE}")
    return name, options


@magics_class
class TfcheckMagics(Magics):
    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.session = _Session()

    @line_cell_magic
    def tfcheck(self, line: str, cell: str | None = None) -> None:
        name, options = _parse(line)
        if cell is None and name == "list":
            return self._list()
        if cell is None and name == "show":
            return self._show(line.split(None, 1)[1] if len(line.split()) > 1 else "")
        exercise = self._exercise(name)
        settings = load_settings(**options)
        if cell is None:
            return self._regrade(exercise, settings)
        return self._run(exercise, cell, settings)

    # -- commands -------------------------------------------------------------
    def _exercise(self, name: str) -> Exercise:
        try:
            return get_exercise(name)
        except UnknownExerciseError as exc:
            raise UsageError(str(exc)) from None

    def _run(self, exercise: Exercise, cell: str, settings: Settings) -> None:
        from .engine import grade, observe_cell

        started = time.perf_counter()
        # The cell body starts on line 2 of the notebook cell, under the %%tfcheck line.
        observations = observe_cell(exercise, cell, self.shell.user_ns, shell=self.shell, settings=settings, first_line=2)
        self.session.last_observations[exercise.id] = observations
        report = grade(exercise, self.shell.user_ns, observations=observations, settings=settings, started=started)
        self._show_report(exercise, report, settings, cell=cell)

    def _regrade(self, exercise: Exercise, settings: Settings) -> None:
        from .engine import grade

        observations = self.session.last_observations.get(exercise.id)
        report = grade(exercise, self.shell.user_ns, observations=observations, settings=settings)
        self._show_report(exercise, report, settings)

    def _show_report(self, exercise: Exercise, report: Report, settings: Settings, cell: str | None = None) -> None:
        from .widget import display_report

        self.session.record(report)
        rerun = self._rerunner(exercise, cell, settings) if cell is not None else None
        display_report(report, rerun=rerun, use_widget=settings.widget)

    def _rerunner(self, exercise: Exercise, cell: str, settings: Settings) -> Callable[[Callable[[str, int, int], None]], Report]:
        """The card's "Re-run checks" grades exactly what its cell ran: that cell's own source, run again
        under the probes and graded as ``%%tfcheck`` does, never whatever the namespace holds
        now or another cell's observations. (A ``%tfcheck`` line has no cell: no re-run.)"""

        def rerun(on_progress: Callable[[str, int, int], None]) -> Report:
            from .engine import run_and_grade

            # The card is not a cell: the re-run's own prints would land in no cell's output.
            report = run_and_grade(exercise, cell, self.shell.user_ns, shell=self.shell, settings=settings,
                                   first_line=2, on_progress=on_progress, echo_output=False)
            self.session.record(report)
            return report

        return rerun

    def _list(self) -> None:
        rows = []
        for exercise in list_exercises():
            best = self.session.best.get(exercise.id)
            progress = f"{best.score:g} / {best.max_score:g}" if best else "not tried"
            rows.append((exercise.short_id, exercise.title, progress))
        width = max((len(r[0]) for r in rows), default=4)
        text = "\n".join(f"{sid:<{width}}  {title}  [{progress}]" for sid, title, progress in rows)
        table = "".join(
            f"<tr><td><code>{html.escape(s)}</code></td><td>{html.escape(t)}</td><td>{html.escape(p)}</td></tr>"
            for s, t, p in rows
        )
        markup = (f"<table><thead><tr><th>Exercise</th><th>Title</th><th>Your best</th></tr></thead>"
                  f"<tbody>{table}</tbody></table>")
        display({"text/plain": text, "text/html": markup}, raw=True)

    def _show(self, name: str) -> None:
        exercise = self._exercise(name.strip())
        display(Markdown(f"### {exercise.title} (`{exercise.short_id}`)\n\n{exercise.prompt}"))


_loaded: dict[int, TfcheckMagics] = {}


def load_ipython_extension(ipython: Any) -> None:
    # TensorFlow's C++ start-up notices go to stderr unless this is set before TF loads.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if id(ipython) in _loaded:      # loading twice is harmless: keep the first registration
        return
    from .data import install_offline_fallback

    # Fashion-MNIST loads offline in every later cell of this kernel (course data or a stand-in).
    install_offline_fallback()
    magics = TfcheckMagics(ipython)
    ipython.register_magics(magics)
    _loaded[id(ipython)] = magics


def unload_ipython_extension(ipython: Any) -> None:
    from .data import uninstall_offline_fallback

    if _loaded.pop(id(ipython), None) is not None:
        uninstall_offline_fallback()
