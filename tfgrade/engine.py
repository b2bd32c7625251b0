"""Grade an exercise: run its checks with pytest, in-process, and build the Report."""

from __future__ import annotations

import dataclasses
import io
import os
import random
import signal
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, MutableMapping

from .check_results import STOPPED
from .config import Settings, load_settings
from .error_text import clean_text, missing_setup_name, setup_names
from .observations import CellOutcome, Observations
from .patching import environ_set
from .probes import ProbeContext, ProbeSession
from .probes.output import redirect_own_thread
from .report import CheckResult, Diagnostic, Report
from .spec import Exercise

if TYPE_CHECKING:   # imported where grading starts: observing a cell (%%tfanswer) needs no pytest
    from .pytest_plugin import GradingContext, TfgradePlugin

__all__ = ["grade", "observe_cell", "run_and_grade", "seed_everything", "collect_checks", "CollectedCheck"]

# Environment variables that would let a user's pytest set-up leak into grading.
_PYTEST_ENV = {"PYTEST_ADDOPTS": None, "PYTEST_PLUGINS": None, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow (via Keras) so the same code gets the same verdict."""
    random.seed(seed)
    import keras

    keras.utils.set_random_seed(seed)


def _isolated_pytest_env() -> Any:
    return environ_set(_PYTEST_ENV)


_CHECK_MODULE_NAMES = ("checks", "hidden_checks", "_support")


def _drop_modules_under(folder: Path) -> None:
    """Forget check modules imported from ``folder`` so edited checks are never reused stale."""
    # Check modules are imported by the folder's own path (or its resolved form): prefixes are
    # enough, and resolving every loaded module's file would cost ~0.1 s with TensorFlow loaded.
    roots = tuple({os.path.abspath(folder) + os.sep, os.path.realpath(folder) + os.sep})
    for name, module in sys.modules.copy().items():   # one C-level copy: a finalizer run by gc may import
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and file.startswith(roots):
            del sys.modules[name]


@contextmanager
def _check_module_names_free() -> Iterator[None]:
    """pytest imports checks as ``checks``: a learner's own module of that name is set aside
    (else pytest would reuse it and grade the learner's functions) and put back afterwards."""
    saved = {name: sys.modules.pop(name) for name in _CHECK_MODULE_NAMES if name in sys.modules}
    try:
        yield
    finally:
        for name in _CHECK_MODULE_NAMES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def _pytest_args(exercise: Exercise, include_hidden: bool) -> list[str]:
    ini = resources.files("tfgrade") / "checks_pytest.ini"
    paths = [str(exercise.checks_path)]
    if include_hidden and exercise.hidden_checks_path is not None:
        paths.append(str(exercise.hidden_checks_path))
    return [
        *paths,
        "-c", str(ini),
        "--rootdir", str(exercise.folder),
        "--import-mode=importlib",
        "--noconftest",
        "-p", "no:cacheprovider",
        "-p", "no:logging",
        "-p", "no:warnings",
        "-p", "no:faulthandler",
        "-p", "no:stepwise",
        "-p", "no:doctest",
        # These two run gc.collect() around every check: slow with TensorFlow loaded (10x).
        "-p", "no:unraisableexception",
        "-p", "no:threadexception",
        # No pytest capture: it would swallow the learner's background threads' prints while checks
        # run; the checks' own output goes to the summary buffer (redirect_own_thread).
        "--capture=no",
        "--tb=no",
        "--no-header",
        "-qq",
    ]


@contextmanager
def _stop_means_stop(plugin: TfgradePlugin) -> Iterator[None]:
    """The learner's Stop (SIGINT) ends the checks, and the checks left are counted as lost.
    A KeyboardInterrupt the learner's own code raises is not a Stop: it is that check's error."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_interrupt(signum: int, frame: object) -> None:
        plugin.stop(STOPPED)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_pytest(exercise: Exercise, plugin: TfgradePlugin, include_hidden: bool) -> int:
    import pytest

    _drop_modules_under(exercise.folder)
    # pytest's terminal summary is kept out of the learner's output (results go to the Report).
    summary = io.StringIO()
    # Checks may import helper modules that sit beside them (e.g. `from _support import ...`).
    sys.path.insert(0, str(exercise.folder))
    try:
        with _isolated_pytest_env(), _check_module_names_free(), redirect_own_thread(summary), \
                _stop_means_stop(plugin):
            return int(pytest.main(_pytest_args(exercise, include_hidden), plugins=[plugin]))
    except KeyboardInterrupt:        # a Stop that landed outside a check
        plugin.stop(STOPPED)
        return int(pytest.ExitCode.INTERRUPTED)
    finally:
        if str(exercise.folder) in sys.path:
            sys.path.remove(str(exercise.folder))
        _drop_modules_under(exercise.folder)


@dataclasses.dataclass(frozen=True)
class CollectedCheck:
    id: str
    points: float
    hidden: bool


class _CollectOnly:
    """A pytest plugin that collects the checks, reads their ``points`` markers and runs none."""

    def __init__(self) -> None:
        self.checks: list[CollectedCheck] = []
        self.errors: list[str] = []

    def pytest_configure(self, config: Any) -> None:
        from .pytest_plugin import MARKERS

        for name, text in MARKERS.items():
            config.addinivalue_line("markers", f"{name}: {text}" if not text.startswith(name) else text)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.errors.append(str(report.longrepr).strip().splitlines()[-1])

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        from .pytest_plugin import check_id

        for item in items:
            marker = item.get_closest_marker("points")
            points = float(marker.args[0]) if marker and marker.args else 1.0
            self.checks.append(CollectedCheck(check_id(item.name), points, item.path.name.startswith("hidden_")))
        items[:] = []


def collect_checks(exercise: Exercise, include_hidden: bool) -> tuple[list[CollectedCheck], list[str]]:
    """The exercise's checks and their points, collected (not run) with grading's own pytest set-up,
    so points markers, defaults and parametrised checks count exactly as in a Report; and the
    collection errors, if any."""
    collector = _CollectOnly()
    _run_pytest(exercise, collector, include_hidden)  # type: ignore[arg-type]
    return collector.checks, collector.errors


def _run_checks(exercise: Exercise, context: GradingContext, include_hidden: bool) -> TfgradePlugin:
    """Run the checks; when a Stop came before they were all collected, collect them again
    (running none) so that every one of them is in the Report as lost."""
    from .pytest_plugin import TfgradePlugin

    plugin = TfgradePlugin(context)
    _run_pytest(exercise, plugin, include_hidden)
    if plugin.stop_reason is not None and not plugin.collected:
        recount = TfgradePlugin(dataclasses.replace(context, not_graded=plugin.stop_reason, on_progress=None))
        _run_pytest(exercise, recount, include_hidden)
        return recount
    return plugin


def _collection_error_checks(plugin: TfgradePlugin) -> list[CheckResult]:
    if not plugin.collection_errors:
        return []
    detail = clean_text(plugin.collection_errors[0].strip().splitlines()[-1])
    return [CheckResult(
        id="checks-module", title="The exercise's checks could be loaded", status="error",
        points=0.0, max_points=0.0, error_type="CollectionError",
        message=f"The checks of this exercise could not be loaded ({detail}). This is a problem with the "
        "exercise, not with your code: tell your instructor.",
    )]


def _warning_diagnostics(caught: list[warnings.WarningMessage]) -> list[Diagnostic]:
    """Warnings raised by the learner's own lines; library-internal ones are not theirs to fix."""
    from .execute import is_learner_filename

    seen: dict[str, Diagnostic] = {}
    for w in caught:
        if not is_learner_filename(str(w.filename)):
            continue
        text = f"{w.category.__name__}: {w.message}"
        seen.setdefault(text, Diagnostic(kind="python-warning", severity="info", message=text, source="checks"))
    return list(seen.values())


def grade(
    exercise: Exercise,
    namespace: MutableMapping[str, Any],
    *,
    observations: Observations | None = None,
    settings: Settings | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    started: float | None = None,
    on_stuck: Callable[[Report], None] | None = None,
) -> Report:
    """Run ``exercise``'s checks against ``namespace`` and return the Report.

    ``observations`` are what probes saw while the cell ran (``None`` when grading a
    namespace directly, as ``tfgrade.check`` does: then the whole namespace is graded;
    with a cell, only the names it defined and the exercise's setup names are). ``started``
    is when the whole ``%%tfcheck`` began, so the Report can split its time into cell /
    checks / overhead. ``on_stuck`` receives the Report, from a watchdog thread, when a check
    cannot be stopped (the kernel then needs a restart and this call may never return).
    """
    settings = settings or load_settings()
    began = time.perf_counter() if started is None else started
    observations = observations or Observations()
    seed = exercise.seed if settings.seed is None else settings.seed
    seed_everything(seed)
    cell: CellOutcome | None = observations.cell
    from .pytest_plugin import GradingContext

    context = GradingContext(
        exercise=exercise, namespace=namespace, observations=observations, seed=seed,
        time_scale=settings.time_scale, on_progress=on_progress, setup_names=setup_names(exercise.setup_source),
        not_graded=(f"Not graded: your cell did not run ({cell.error.describe()})."
                    if cell is not None and not cell.parsed and cell.error is not None else None),
    )
    checks_began = time.perf_counter()

    def build(results: list[CheckResult], check_observations: Observations | None, caught: list) -> Report:
        return _report(exercise, settings, observations, results, check_observations,
                       (*context.advice, *_warning_diagnostics(caught)), began, time.perf_counter() - checks_began)

    probe_context = ProbeContext(namespace=namespace, source="checks", echo_output=False, earlier=observations)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if on_stuck is not None:
            context.on_stuck = lambda results: on_stuck(build(list(results), None, list(caught)))
        with ProbeSession(settings.probe_names(), probe_context) as session:
            plugin = _run_checks(exercise, context, settings.include_hidden)
    results = [*plugin.results, *_collection_error_checks(plugin)]
    return build(results, session.observations(), caught)


def _report(exercise: Exercise, settings: Settings, observations: Observations, results: list[CheckResult],
            check_observations: Observations | None, extra: tuple[Diagnostic, ...], began: float,
            checks_time: float) -> Report:
    from .datasets import report_data    # which source served the datasets (datasets probe)
    from .environment import environment_info

    check_datasets = check_observations.datasets if check_observations is not None else None
    check_diagnostics = check_observations.diagnostics if check_observations is not None else ()
    data, data_notes = report_data(observations.datasets, check_datasets)
    diagnostics = (*observations.diagnostics, *check_diagnostics, *extra, *data_notes)
    cell = observations.cell
    total = time.perf_counter() - began
    cell_time = cell.duration if cell else 0.0
    return Report(
        exercise=exercise.id,
        exercise_version=exercise.version,
        general_hints=exercise.general_hints,
        title=exercise.title,
        short_id=exercise.short_id,
        score=round(sum(r.points for r in results), 4),
        max_score=_max_score(exercise, settings, results),
        checks=tuple(results),
        diagnostics=tuple(diagnostics),
        environment=environment_info(observations.devices),
        data=data,
        cell_error=cell.error if cell else None,
        timings={
            "cell": round(cell_time, 4),
            "checks": round(checks_time, 4),
            "overhead": round(max(total - cell_time - checks_time, 0.0), 4),
            "total": round(total, 4),
        },
    )


def _max_score(exercise: Exercise, settings: Settings, results: list[CheckResult]) -> float:
    """The exercise's total, however the run ended: every collected check's points, or the
    declared ``points`` when the graded checks are all of them (hidden ones included)."""
    collected = round(sum(r.max_points for r in results), 4)
    every_check = settings.include_hidden or exercise.hidden_checks_path is None
    if exercise.declared_points is not None and every_check:
        return max(float(exercise.declared_points), collected)
    return collected


def observe_cell(
    exercise: Exercise,
    source: str,
    namespace: MutableMapping[str, Any],
    *,
    shell: Any = None,
    settings: Settings | None = None,
    first_line: int = 2,
    echo_output: bool = True,
) -> Observations:
    """Run a cell's source in ``namespace`` under the probes; return what was observed."""
    from .execute import run_cell

    settings = settings or load_settings()
    if exercise.seed_cell:
        seed_everything(exercise.seed if settings.seed is None else settings.seed)
    context = ProbeContext(namespace=namespace, source="cell", echo_output=echo_output, cell_source=source,
                           first_line=first_line)
    with ProbeSession(settings.probe_names(), context) as session:
        outcome = run_cell(source, namespace, shell=shell, first_line=first_line, label=exercise.short_id)
    if outcome.error is not None and outcome.error.type == "NameError":
        explained = missing_setup_name(outcome.error.message, setup_names(exercise.setup_source), exercise)
        if explained:
            outcome = dataclasses.replace(outcome, error=dataclasses.replace(outcome.error, message=explained))
    observations = session.observations(cell=outcome)
    if outcome.error is not None and "tracing" in settings.probe_names():
        # Errors that come from graph building (an `if` on a tensor, .numpy() in a graph, ...)
        # get an explanation in the learner's terms.
        from .diagnose.cell_errors import explain_cell_error

        extra = explain_cell_error(outcome.error, observations.diagnostics)
        if extra is not None:
            observations = dataclasses.replace(observations, diagnostics=(*observations.diagnostics, extra))
    return observations


def run_and_grade(
    exercise: Exercise,
    source: str,
    namespace: MutableMapping[str, Any],
    *,
    shell: Any = None,
    settings: Settings | None = None,
    first_line: int = 2,
    on_progress: Callable[[str, int, int], None] | None = None,
    echo_output: bool = True,
    on_stuck: Callable[[Report], None] | None = None,
) -> Report:
    """Run a cell's source under probes in ``namespace``, then grade: what ``%%tfcheck`` does.
    ``on_stuck`` as for :func:`grade`."""
    settings = settings or load_settings()
    started = time.perf_counter()
    observations = observe_cell(exercise, source, namespace, shell=shell, settings=settings,
                                first_line=first_line, echo_output=echo_output)
    return grade(exercise, namespace, observations=observations, settings=settings,
                 on_progress=on_progress, started=started, on_stuck=on_stuck)
