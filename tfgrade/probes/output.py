"""Output probe: records what code displayed, while still showing it (or not, for checks).

Four layers are watched, all restored on exit even when the code raised or was interrupted:

- ``sys.stdout`` / ``sys.stderr`` (``print``) and file descriptors 1 and 2 (``tf.print``,
  TensorFlow's C++ logging), through :mod:`tfgrade.probes._capture`;
- Python ``logging`` records of the ``tensorflow`` and ``absl`` loggers;
- tqdm bars and ``keras.utils.Progbar`` updates, through :mod:`tfgrade.probes._progress`.

With ``context.echo_output`` False the watched code's own output does not reach the real
streams (grading cells must keep stderr empty); other threads' output always does.
:meth:`OutputObservation.metrics` turns what was recorded into the training numbers a
loop displayed (:mod:`tfgrade.diagnose.training_log`).
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from typing import Any

from ..diagnose.training_log import MetricRecord, displayed_metrics, normalise_metric_name
from ..patching import Patches, interrupts_deferred
from ..report import Diagnostic
from ._capture import FdCapture, Record, Tee, fileno
from ._progress import ProgbarWatch, TqdmSnapshot, TqdmWatch

__all__ = ["OutputObservation", "OutputProbe", "TqdmSnapshot", "LogEntry", "MetricRecord", "normalise_metric_name"]

_WATCHED_LOGGERS = ("tensorflow", "absl")
_MAX_LOG_ENTRIES = 50_000


@dataclass(frozen=True)
class LogEntry:
    logger: str
    level: str
    message: str


@dataclass(frozen=True)
class OutputObservation:
    stdout: str = ""
    stderr: str = ""
    logs: tuple[LogEntry, ...] = ()
    tqdm: tuple[TqdmSnapshot, ...] = ()

    @property
    def text(self) -> str:
        return self.stdout + self.stderr

    def metrics(self, include_undisplayed: bool = False) -> list[MetricRecord]:
        """The training numbers displayed, in order: tqdm postfixes, then printed lines.

        ``include_undisplayed`` adds values given to bars that had already closed (e.g.
        ``set_postfix`` after the ``for`` loop over a bar ended): code meant to show them,
        but nothing appeared.
        """
        return displayed_metrics(self.stdout, self.stderr, self.tqdm, include_undisplayed)


class _LogHandler(logging.Handler):
    def __init__(self, sink: list[LogEntry]) -> None:
        super().__init__(level=logging.NOTSET)
        self._sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        if len(self._sink) < _MAX_LOG_ENTRIES:
            self._sink.append(LogEntry(record.name, record.levelname, message))


def _flush(stream: Any) -> None:
    try:
        stream.flush()
    except Exception:
        pass


class OutputProbe:
    name = "output"

    def __init__(self, context: Any) -> None:
        self._echo = bool(getattr(context, "echo_output", True))
        self._out, self._err = Record(), Record()
        self._logs: list[LogEntry] = []
        self._handler = _LogHandler(self._logs)
        self._snapshots: list[TqdmSnapshot] = []
        self._tqdm = TqdmWatch(self._snapshots, time.perf_counter())
        self._progbar = ProgbarWatch(self._snapshots, time.perf_counter())
        self._patches = Patches()

    def __enter__(self) -> "OutputProbe":
        try:
            with interrupts_deferred():     # an interrupt held back here is raised inside the try
                self._start()
        except BaseException:
            self._patches.restore()
            raise
        return self

    def _start(self) -> None:
        patches = self._patches
        for name in _WATCHED_LOGGERS:
            logger = logging.getLogger(name)
            logger.addHandler(self._handler)
            patches.callback(logger.removeHandler, self._handler)
        self._tqdm.start(patches)
        self._progbar.start(patches)
        # Streams last, so that they are the first thing put back.
        out, err = sys.stdout, sys.stderr
        _flush(out), _flush(err)
        captured: set[int] = set()
        for fd, record in ((1, self._out), (2, self._err)):
            capture = FdCapture(fd, record, self._echo)
            if capture.start():
                patches.callback(capture.stop)
                captured.add(fd)
        # A Python stream that writes to a captured fd is recorded by the fd layer.
        for name, stream, record in (("stdout", out, self._out), ("stderr", err, self._err)):
            tee = Tee(stream, None if fileno(stream) in captured else record, self._echo)
            patches.setattr(sys, name, tee)
            patches.callback(tee.stop_recording)
            patches.callback(_flush, tee)

    def __exit__(self, *exc: Any) -> None:
        with interrupts_deferred():
            self._patches.restore()

    def observation(self) -> OutputObservation:
        return OutputObservation(
            stdout=self._out.getvalue(), stderr=self._err.getvalue(),
            logs=tuple(self._logs), tqdm=tuple(self._snapshots),
        )

    def diagnostics(self) -> list[Diagnostic]:
        return []
