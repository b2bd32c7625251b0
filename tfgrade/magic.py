"""``%%tfcheck`` / ``%tfcheck``: run a cell, grade it, show the results card.

Usage::

    %%tfcheck ex12 [--hidden] [--seed N] [--time-scale X] [--no-widget]
    <the learner's code>

    %tfcheck ex12          re-grade what the namespace holds now, without running anything
    %tfcheck list          the catalog, with this session's best score per exercise (runs with
                           hidden checks in a column of their own)
    %tfcheck show ex12     the exercise's prompt, points and check titles

A bad option or setting value is a one-line UsageError, never a traceback.
"""

from __future__ import annotations

import html
import shlex
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import Markdown, display

from .catalog import get_exercise, list_exercises
from .config import Settings, SettingsError, load_settings
from .errors import SpecError, UnknownExerciseError
from .observations import Observations
from .report import Report
from .spec import Exercise

Progress = Callable[[str, int, int], None]   # (check id, index, total), as the card shows it

__all__ = ["TfcheckMagics", "load_ipython_extension", "unload_ipython_extension"]

_USAGE = "usage: %%tfcheck EXERCISE [--hidden] [--seed N] [--time-scale X] [--no-widget] | %tfcheck list | %tfcheck show EXERCISE"


@dataclass
class _Session:
    """What this kernel remembers between cells: best scores, and the last run per exercise."""

    # Best report per (exercise, whether hidden checks ran): totals with and without hidden
    # checks are not comparable, so they are kept (and listed) apart.
    best: dict[tuple[str, bool], Report] = field(default_factory=dict)
    last_observations: dict[str, Observations] = field(default_factory=dict)

    def record(self, report: Report) -> None:
        key = (report.exercise, any(c.hidden for c in report.checks))
        best = self.best.get(key)
        if best is None or report.score >= best.score:
            self.best[key] = report


def _parse(line: str) -> tuple[str, dict[str, Any]]:
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"{exc}. {_USAGE}") from None
    if not words:
        raise UsageError(f"Which exercise? {_USAGE}")
    if words[0] == "list" and len(words) == 1:
        return "list", {}
    if words[0] == "show":
        if len(words) != 2:
            raise UsageError(f"Which exercise? `%tfcheck show ex12`. {_USAGE}")
        return "show", {"exercise": words[1]}
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
                number = int(value) if word == "--seed" else float(value)
            except ValueError:
                raise UsageError(f"{word} needs a {'whole ' if word == '--seed' else ''}number, not {value!r}.") from None
            if word == "--time-scale" and not number > 0:
                raise UsageError(f"--time-scale needs a positive number, not {value!r}.")
            options["seed" if word == "--seed" else "time_scale"] = number
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
        if name in ("list", "show") and cell is not None:
            raise UsageError(f"`%tfcheck {name}` is a line magic: use one `%`. {_USAGE}")
        settings = self._settings(options if name not in ("list", "show") else {})
        if name == "list":
            return self._list(settings)
        if name == "show":
            return self._show(options["exercise"], settings)
        exercise = self._exercise(name, settings)
        if cell is None:
            return self._regrade(exercise, settings)
        return self._run(exercise, cell, settings)

    # -- commands -------------------------------------------------------------
    @staticmethod
    def _settings(options: dict[str, Any]) -> Settings:
        try:
            return load_settings(**options)
        except SettingsError as exc:
            raise UsageError(str(exc)) from None

    @staticmethod
    def _exercise(name: str, settings: Settings) -> Exercise:
        try:
            return get_exercise(name, settings=settings)
        except UnknownExerciseError as exc:
            hint = f" Did you mean {', '.join(repr(s) for s in exc.suggestions)}?" if exc.suggestions else ""
            raise UsageError(f"No exercise called {exc.requested!r}.{hint} `%tfcheck list` shows them all: "
                             f"{', '.join(exc.known)}.") from None
        except SpecError as exc:
            raise UsageError(f"This exercise's folder is broken (tell your instructor): {exc}") from None

    def _run(self, exercise: Exercise, cell: str, settings: Settings) -> None:
        from .engine import grade, observe_cell

        started = time.perf_counter()
        # The cell body starts on line 2 of the notebook cell, under the %%tfcheck line.
        observations = observe_cell(exercise, cell, self.shell.user_ns, shell=self.shell, settings=settings, first_line=2)
        self.session.last_observations[exercise.id] = observations
        shown: list[Report] = []

        def on_stuck(stuck: Report) -> None:
            # Watchdog thread: a check cannot be stopped and this cell may never end. The static
            # card (no widget: the kernel cannot answer it) says which check and that a restart is needed.
            from .widget import display_report

            shown.append(stuck)
            self.session.record(stuck)
            display_report(stuck, rerun=None, use_widget=False)

        report = grade(exercise, self.shell.user_ns, observations=observations, settings=settings, started=started,
                       on_stuck=on_stuck)
        if not shown:
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

    def _rerunner(self, exercise: Exercise, cell: str, settings: Settings) -> Callable[[Progress], Report]:
        """The card's "Re-run checks" grades exactly what its cell ran: that cell's own source, run again
        under the probes and graded as ``%%tfcheck`` does, never whatever the namespace holds
        now or another cell's observations. (A ``%tfcheck`` line has no cell: no re-run.)"""

        def rerun(on_progress: Progress, on_stuck: Callable[[Report], None] | None = None) -> Report:
            from .engine import run_and_grade

            def stuck(report: Report) -> None:   # watchdog thread: a check of the re-run cannot be stopped
                self.session.record(report)
                if on_stuck is not None:
                    on_stuck(report)

            # The card is not a cell: the re-run's own prints would land in no cell's output.
            report = run_and_grade(exercise, cell, self.shell.user_ns, shell=self.shell, settings=settings,
                                   first_line=2, on_progress=on_progress, echo_output=False, on_stuck=stuck)
            self.session.record(report)
            return report

        return rerun

    def _list(self, settings: Settings) -> None:
        def progress(exercise: Exercise, hidden: bool) -> str:
            best = self.session.best.get((exercise.id, hidden))
            return f"{best.score:g} / {best.max_score:g}" if best else "-" if hidden else "not tried"

        rows = [(e.short_id, e.title, progress(e, False), progress(e, True))
                for e in list_exercises(settings=settings)]
        width = max((len(r[0]) for r in rows), default=4)
        text = "\n".join(f"{sid:<{width}}  {title}  [best: {mine}; with hidden checks: {hidden}]"
                         for sid, title, mine, hidden in rows)
        table = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
        markup = ("<table><thead><tr><th>Exercise</th><th>Title</th><th>Your best</th>"
                  f"<th>Your best with hidden checks</th></tr></thead><tbody>{table}</tbody></table>")
        display({"text/plain": text, "text/html": markup}, raw=True)

    def _show(self, name: str, settings: Settings) -> None:
        exercise = self._exercise(name, settings)
        from .overview import overview_markdown

        display(Markdown(overview_markdown(exercise)))


_loaded: dict[int, TfcheckMagics] = {}


def load_ipython_extension(ipython: Any) -> None:
    from .startup import quiet_tensorflow_start_up

    # TensorFlow's C++ start-up lines would land in the learner's cells (fd 2): held back.
    quiet_tensorflow_start_up()
    if id(ipython) in _loaded:      # loading twice is harmless: keep the first registration
        return
    from .config import load_settings
    from .datasets import install_offline_fallback

    try:
        settings = load_settings()
    except ValueError:   # a broken setting is reported by the first %%tfcheck; data still load
        settings = None
    # Fashion-MNIST loads offline in every later cell of this kernel (course data or a stand-in).
    install_offline_fallback(data_dir=settings.data_dir if settings else None,
                             offline=settings.offline if settings else False)
    magics = TfcheckMagics(ipython)
    ipython.register_magics(magics)
    _loaded[id(ipython)] = magics


def unload_ipython_extension(ipython: Any) -> None:
    from .datasets import uninstall_offline_fallback
    from .startup import remove_tensorflow_import_hook

    remove_tensorflow_import_hook()
    if _loaded.pop(id(ipython), None) is not None:
        uninstall_offline_fallback()
