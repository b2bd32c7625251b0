"""Output probe: records what code displayed, while still showing it (or not, for checks).

Four layers are watched, all restored on exit even when the code raised:

- ``sys.stdout`` / ``sys.stderr``: Python-level writes (``print``), through a tee;
- file descriptors 1 and 2: what C and C++ write directly (``tf.print``, TensorFlow's C++
  logging), through a pipe read by a thread; ``contextlib.redirect_stdout`` sees none of it;
- Python ``logging`` records of the ``tensorflow`` and ``absl`` loggers;
- tqdm progress bars (``tqdm``, ``tqdm.auto``, ``tqdm.notebook``): a snapshot each time a
  bar gets ``set_postfix`` / ``set_description`` or refreshes, with its description, exact
  iteration count, total, postfix values and formatted meter. A notebook bar writes no
  text at all, so this is how its numbers are seen. ``keras.utils.Progbar.update`` calls
  are recorded the same way (when Keras is already imported), with the values it shows.

With ``context.echo_output`` False nothing reaches the real streams (grading cells must
keep stderr empty). :meth:`OutputObservation.metrics` turns all of it into the training
numbers a loop displayed (epoch, iteration, loss, accuracy, validation loss/accuracy).
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import select
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, TextIO

from ..report import Diagnostic

__all__ = ["OutputObservation", "OutputProbe", "TqdmSnapshot", "LogEntry", "MetricRecord"]

_WATCHED_LOGGERS = ("tensorflow", "absl")
_MAX_SNAPSHOTS = 50_000
_MAX_TEXT = 2_000_000   # characters kept per stream


# -- observation --------------------------------------------------------------------------
@dataclass(frozen=True)
class TqdmSnapshot:
    """A tqdm bar's state when it was updated."""

    bar: int                  # which bar (numbered in order of creation while the probe ran)
    event: str                # "postfix", "description", "refresh", "close"; "progbar" for keras.utils.Progbar
    desc: str
    n: int                    # iterations done (counted exactly, also inside ``for x in bar``)
    total: float | None
    postfix: dict[str, Any]   # the values given to set_postfix (numbers as float), in order
    postfix_text: str         # the postfix as displayed
    meter: str                # the whole bar as text
    at: float                 # seconds since the probe started
    displayed: bool = True    # False when the bar was already closed or disabled (nothing shown)


@dataclass(frozen=True)
class LogEntry:
    logger: str
    level: str
    message: str


@dataclass(frozen=True)
class MetricRecord:
    """Numbers a training loop displayed at one moment (from a tqdm bar or a printed line)."""

    origin: str                    # "tqdm" or "text"
    epoch: int | None
    iteration: int | None
    values: dict[str, float]       # normalised names: loss, accuracy, val_loss, val_accuracy, ...
    bar: int | None = None
    epoch_shown: bool = True       # False when the epoch was inferred (one tqdm bar per epoch)
    displayed: bool = True         # False for values given to a tqdm bar that no longer displays


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
        bars = _tqdm_records(self.tqdm)
        has_progbar = any(s.event == "progbar" for s in self.tqdm)
        text = _text_records(self.stdout, self.stderr, skip_progbar_lines=has_progbar)
        if has_progbar:
            # Keras style: "Epoch 2/3" printed above each Progbar names the bar's epoch.
            unnamed = {r.bar for r in bars if not r.epoch_shown}
            if unnamed and len(_EPOCH.findall(self.stdout)) >= len(unnamed):
                bars = [replace(r, epoch_shown=True) for r in bars]
        records = bars + text
        return records if include_undisplayed else [r for r in records if r.displayed]


# -- Python-level tee ---------------------------------------------------------------------
class _Record:
    """A thread-safe text buffer."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        with self._lock:
            if self._size < _MAX_TEXT:
                self._parts.append(text)
                self._size += len(text)

    def getvalue(self) -> str:
        with self._lock:
            return "".join(self._parts)


class _Tee(io.TextIOBase):
    """Writes to the original stream (when echoing) and to a record.

    When the original stream writes to a file descriptor that is being captured, the
    fd layer records the text, so the tee only passes it through (no double records).
    """

    def __init__(self, original: TextIO, record: _Record | None, echo: bool) -> None:
        self._original, self._record, self._echo = original, record, echo

    def write(self, text: str) -> int:
        if self._record is not None:
            self._record.write(text)
        if self._echo or self._record is None:
            self._original.write(text)
        return len(text)

    def flush(self) -> None:
        if self._echo or self._record is None:
            self._original.flush()

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:   # encoding, fileno, ... of the real stream
        return getattr(self._original, name)


def _fileno(stream: Any) -> int | None:
    try:
        return int(stream.fileno())
    except Exception:
        return None


# -- fd-level capture ---------------------------------------------------------------------
def _flush_c_stdio() -> None:
    """Flush C stdio buffers (std::cout from tf.print lands there) before fds move."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except Exception:
        pass


class _FdCapture:
    """Point fd ``fd`` at a pipe; a thread records what arrives and echoes it if asked."""

    def __init__(self, fd: int, record: _Record, echo: bool) -> None:
        self.fd, self._record, self._echo = fd, record, echo
        self._saved: int | None = None
        self._read: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> bool:
        try:
            os.fstat(self.fd)
            saved = os.dup(self.fd)
        except OSError:
            return False
        read, write = os.pipe()
        try:
            os.dup2(write, self.fd)
        except OSError:
            os.close(read), os.close(saved)
            return False
        finally:
            os.close(write)
        self._saved, self._read = saved, read
        self._thread = threading.Thread(target=self._pump, name=f"tfgrade-fd{self.fd}", daemon=True)
        self._thread.start()
        return True

    def _pump(self) -> None:
        assert self._read is not None and self._saved is not None
        decoder = _decoder()
        while True:
            ready, _, _ = select.select([self._read], [], [], 0.05)
            if not ready:
                if self._stop.is_set():
                    break
                continue
            try:
                chunk = os.read(self._read, 65536)
            except OSError:
                break
            if not chunk:
                break
            self._record.write(decoder.decode(chunk))
            if self._echo:
                try:
                    os.write(self._saved, chunk)
                except OSError:
                    pass
        self._record.write(decoder.decode(b"", final=True))

    def stop(self) -> None:
        if self._saved is None:
            return
        _flush_c_stdio()
        os.dup2(self._saved, self.fd)          # the fd is exactly what it was
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        for fd in (self._read, self._saved):
            try:
                os.close(fd)                   # type: ignore[arg-type]
            except OSError:
                pass
        self._saved = self._read = None


def _decoder() -> Any:
    import codecs

    return codecs.getincrementaldecoder("utf-8")(errors="replace")


# -- logging ------------------------------------------------------------------------------
class _LogHandler(logging.Handler):
    def __init__(self, sink: list[LogEntry]) -> None:
        super().__init__(level=logging.NOTSET)
        self._sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        if len(self._sink) < _MAX_SNAPSHOTS:
            self._sink.append(LogEntry(record.name, record.levelname, message))


# -- tqdm ---------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """Numbers (Python, NumPy, TensorFlow scalars) as float; anything else unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if hasattr(value, "numpy") and callable(value.numpy):
        try:
            value = value.numpy()
        except Exception:
            return value
    try:
        import numpy as np

        if isinstance(value, np.ndarray) and value.size == 1:
            return float(value.reshape(()))
        if isinstance(value, np.generic) and np.issubdtype(type(value), np.number):
            return float(value)
    except Exception:
        pass
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


class _TqdmWatch:
    """Class-level patches of ``tqdm.std.tqdm`` (the base of tqdm.auto / tqdm.notebook bars)."""

    _METHODS = ("__init__", "__iter__", "set_postfix", "set_postfix_str", "set_description", "set_description_str",
                "refresh", "close")

    def __init__(self, sink: list[TqdmSnapshot], started: float) -> None:
        self._sink, self._started = sink, started
        self._cls: Any = None
        self._token: object | None = None
        self._saved: dict[str, Any] = {}
        self._count = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        try:
            from tqdm import std
        except Exception:   # tqdm absent: nothing to watch
            return
        cls = self._cls = std.tqdm
        self._saved = {name: cls.__dict__.get(name, _MISSING) for name in self._METHODS}
        watch = self
        orig_iter = cls.__iter__

        def __iter__(bar: Any) -> Any:
            count = bar.n
            for item in orig_iter(bar):
                count += 1
                bar._tfgrade_count = count      # the iteration now running, counted from 1
                yield item

        def wrap(name: str) -> Callable[..., Any]:
            original = getattr(cls, name)

            def method(bar: Any, *args: Any, **kwargs: Any) -> Any:
                if name == "set_postfix":
                    watch._remember_postfix(bar, args, kwargs)
                depth = bar.__dict__.get("_tfgrade_depth", 0)
                bar._tfgrade_depth = depth + 1       # set_postfix calls refresh: one snapshot
                try:
                    result = original(bar, *args, **kwargs)
                finally:
                    bar._tfgrade_depth = depth
                if depth == 0:
                    watch._snapshot(bar, name)
                return result

            method.__name__ = name
            method.__wrapped__ = original   # type: ignore[attr-defined]
            return method

        orig_init = cls.__init__
        token = self._token = object()

        def __init__(bar: Any, *args: Any, **kwargs: Any) -> None:
            bar._tfgrade_token = token          # only bars created while the probe runs are watched
            orig_init(bar, *args, **kwargs)

        cls.__init__ = __init__
        cls.__iter__ = __iter__
        for name in self._METHODS[2:]:
            setattr(cls, name, wrap(name))

    def stop(self) -> None:
        cls, self._cls = self._cls, None
        if cls is None:
            return
        for name, original in self._saved.items():
            if original is _MISSING:
                try:
                    delattr(cls, name)
                except AttributeError:
                    pass
            else:
                setattr(cls, name, original)

    def _remember_postfix(self, bar: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        ordered = args[0] if args else kwargs.get("ordered_dict")
        raw: dict[str, Any] = {}
        for key, value in dict(ordered or {}).items():
            raw[str(key)] = _plain(value)
        for key, value in kwargs.items():
            if key not in ("ordered_dict", "refresh"):
                raw[str(key)] = _plain(value)
        bar._tfgrade_raw = raw   # kept on the bar: ids of collected bars are reused

    def _snapshot(self, bar: Any, event: str) -> None:
        if getattr(bar, "_tfgrade_token", None) is not self._token:
            return
        try:
            n = int(max(getattr(bar, "_tfgrade_count", 0), bar.n))
            desc = str(bar.desc or "").rstrip(": ")
            postfix_text = str(bar.postfix or "")
            state = (n, desc, postfix_text, bool(getattr(bar, "disable", False)))
            with self._lock:
                if bar.__dict__.get("_tfgrade_last") == state and event != "close":
                    return
                bar._tfgrade_last = state
                number = bar.__dict__.get("_tfgrade_number")
                if number is None:
                    number = bar._tfgrade_number = self._count
                    self._count += 1
                if len(self._sink) >= _MAX_SNAPSHOTS:
                    return
            raw = bar.__dict__.get("_tfgrade_raw")
            if raw is None or event == "set_postfix_str":
                bar._tfgrade_raw = None
                raw = _parse_postfix_text(postfix_text)
            try:
                meter = bar.format_meter(**bar.format_dict)
            except Exception:
                meter = ""
            total = bar.total
            self._sink.append(TqdmSnapshot(
                bar=number, event=event.replace("set_", "").replace("_str", ""), desc=desc, n=n,
                total=float(total) if total is not None else None, postfix=dict(raw),
                postfix_text=postfix_text, meter=meter, at=time.perf_counter() - self._started,
                displayed=event == "close" or not getattr(bar, "disable", False),
            ))
        except Exception:   # observing must never break the learner's bar
            pass


_MISSING = object()


class _ProgbarWatch:
    """Class-level patch of ``keras.utils.Progbar.update`` (only if Keras is already imported)."""

    def __init__(self, sink: list[TqdmSnapshot], started: float) -> None:
        self._sink, self._started = sink, started
        self._cls: Any = None
        self._saved: Any = _MISSING
        self._count = 0

    def start(self) -> None:
        if "keras" not in sys.modules:
            return
        try:
            from keras.src.utils.progbar import Progbar
        except Exception:
            return
        self._cls = Progbar
        self._saved = Progbar.__dict__.get("update", _MISSING)
        original = Progbar.update
        watch = self

        def update(bar: Any, current: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(bar, current, *args, **kwargs)
            watch._snapshot(bar, current)
            return result

        update.__wrapped__ = original   # type: ignore[attr-defined]
        Progbar.update = update

    def stop(self) -> None:
        cls, self._cls = self._cls, None
        if cls is None:
            return
        if self._saved is _MISSING:
            try:
                del cls.update
            except AttributeError:
                pass
        else:
            cls.update = self._saved

    def _snapshot(self, bar: Any, current: Any) -> None:
        try:
            number = bar.__dict__.get("_tfgrade_number")
            if number is None:
                number = bar._tfgrade_number = self._count
                self._count += 1
            shown: dict[str, Any] = {}
            for key in getattr(bar, "_values_order", []):
                total, count = bar._values[key]
                shown[str(key)] = _plain(total) / max(float(_plain(count)), 1.0)
            target = getattr(bar, "target", None)
            if len(self._sink) < _MAX_SNAPSHOTS:
                self._sink.append(TqdmSnapshot(
                    bar=1_000_000 + number, event="progbar", desc="", n=int(current),
                    total=float(target) if target is not None else None, postfix=shown,
                    postfix_text=", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items()),
                    meter="", at=time.perf_counter() - self._started,
                    displayed=getattr(bar, "verbose", 1) != 0,
                ))
        except Exception:   # observing must never break the learner's bar
            pass


def _parse_postfix_text(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if sep:
            out[key.strip()] = _plain(value.strip())
    return out


# -- the probe ----------------------------------------------------------------------------
class OutputProbe:
    name = "output"

    def __init__(self, context: Any) -> None:
        self._echo = bool(getattr(context, "echo_output", True))
        self._out, self._err = _Record(), _Record()
        self._saved: tuple[TextIO, TextIO] | None = None
        self._fds: list[_FdCapture] = []
        self._logs: list[LogEntry] = []
        self._handler = _LogHandler(self._logs)
        self._loggers: list[logging.Logger] = []
        self._snapshots: list[TqdmSnapshot] = []
        self._tqdm = _TqdmWatch(self._snapshots, time.perf_counter())
        self._progbar = _ProgbarWatch(self._snapshots, time.perf_counter())

    def __enter__(self) -> "OutputProbe":
        try:
            self._start()
        except BaseException:
            self._stop()
            raise
        return self

    def _start(self) -> None:
        out, err = sys.stdout, sys.stderr
        for stream in (out, err):
            try:
                stream.flush()
            except Exception:
                pass
        self._saved = (out, err)
        for fd, record in ((1, self._out), (2, self._err)):
            capture = _FdCapture(fd, record, self._echo)
            if capture.start():
                self._fds.append(capture)
        captured = {c.fd for c in self._fds}
        # A Python stream that writes to a captured fd is recorded by the fd layer.
        sys.stdout = _Tee(out, None if _fileno(out) in captured else self._out, self._echo)  # type: ignore[assignment]
        sys.stderr = _Tee(err, None if _fileno(err) in captured else self._err, self._echo)  # type: ignore[assignment]
        for name in _WATCHED_LOGGERS:
            logger = logging.getLogger(name)
            logger.addHandler(self._handler)
            self._loggers.append(logger)
        self._tqdm.start()
        self._progbar.start()

    def __exit__(self, *exc: Any) -> None:
        self._stop()

    def _stop(self) -> None:
        errors: list[BaseException] = []
        for step in (self._progbar.stop, self._tqdm.stop, self._stop_logging, self._stop_streams):
            try:
                step()
            except BaseException as error:   # keep restoring the rest
                errors.append(error)
        if errors:
            raise errors[0]

    def _stop_logging(self) -> None:
        for logger in self._loggers:
            logger.removeHandler(self._handler)
        self._loggers.clear()

    def _stop_streams(self) -> None:
        if self._saved is not None:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
            sys.stdout, sys.stderr = self._saved
            self._saved = None
        while self._fds:
            self._fds.pop().stop()

    def observation(self) -> OutputObservation:
        return OutputObservation(
            stdout=self._out.getvalue(), stderr=self._err.getvalue(),
            logs=tuple(self._logs), tqdm=tuple(self._snapshots),
        )

    def diagnostics(self) -> list[Diagnostic]:
        return []


# -- what a training loop displayed -------------------------------------------------------
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_EPOCH = re.compile(r"\bepoch\b\s*[#:=]?\s*(\d+)(?:\s*(?:/|of)\s*(\d+))?", re.I)
_ITERATION = re.compile(r"\b(?:iteration|iter|step|batch|it)\b\s*[#:=]?\s*(\d+)(?:\s*(?:/|of)\s*(\d+))?", re.I)
_PAIR = re.compile(rf"([A-Za-z][A-Za-z_ .-]*?)\s*[:=]\s*({_NUMBER})(%?)")
_PROGBAR_LINE = re.compile(r"\d(?:ms|us|s)/step|^\W*\d+/\d+\W*(?:━|\[=|\x1b)")
_TQDM_METER = re.compile(r"\[\d+:\d+(?::\d+)?<|\d+(?:\.\d+)?(?:it/s|s/it)\]")


def normalise_metric_name(name: str) -> str | None:
    """``"Val. acc"`` -> ``"val_accuracy"``; ``"mean_loss"`` -> ``"loss"``; None for non-metrics."""
    key = re.sub(r"[^a-z]+", "_", name.lower()).strip("_")
    if not key or key in {"epoch", "epochs", "step", "steps", "iteration", "iter", "batch", "it", "lr"}:
        return None
    valid = bool(re.search(r"(^|_)(val|valid|validation|dev)(_|$)|^val", key))
    if "loss" in key:
        base = "loss"
    elif "acc" in key:
        base = "accuracy"
    else:
        return None
    if re.search(r"(^|_)(test)(_|$)", key):
        return "test_" + base
    return ("val_" if valid else "") + base


def _metrics_of(pairs: dict[str, Any]) -> dict[str, float]:
    values: dict[str, float] = {}
    for name, value in pairs.items():
        metric = normalise_metric_name(str(name))
        if metric is not None and isinstance(value, float):
            values.setdefault(metric, value)
    return values


def _int_of(value: Any) -> int | None:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str):
        match = re.match(r"\s*(\d+)", value)
        return int(match.group(1)) if match else None
    return None


def _tqdm_records(snapshots: tuple[TqdmSnapshot, ...]) -> list[MetricRecord]:
    records: list[MetricRecord] = []
    metric_bars: list[int] = []
    for snap in snapshots:
        values = _metrics_of(snap.postfix)
        if not values:
            continue
        if snap.bar not in metric_bars:
            metric_bars.append(snap.bar)
        epoch = iteration = None
        for key, value in snap.postfix.items():
            low = str(key).lower()
            if low in ("epoch", "epochs") and epoch is None:
                epoch = _int_of(value)
            elif low in ("step", "steps", "iteration", "iter", "batch", "it") and iteration is None:
                iteration = _int_of(value)
        if epoch is None:
            match = _EPOCH.search(snap.desc)
            epoch = int(match.group(1)) if match else None
        shown = epoch is not None
        if epoch is None:
            epoch = metric_bars.index(snap.bar) + 1     # one bar per epoch
        if iteration is None:
            iteration = snap.n
        records.append(MetricRecord("tqdm", epoch, iteration, values, snap.bar, shown, snap.displayed))
    return records


def _text_records(stdout: str, stderr: str, skip_progbar_lines: bool = False) -> list[MetricRecord]:
    records: list[MetricRecord] = []
    segments = re.split(r"[\r\n]+", stdout) + [
        s for s in re.split(r"[\r\n]+", stderr) if not _TQDM_METER.search(s)
    ]
    if skip_progbar_lines:   # recorded from the Progbar itself
        segments = [s for s in segments if not _PROGBAR_LINE.search(s)]
    last_epoch: int | None = None
    for segment in segments:
        if not segment.strip():
            continue
        epoch_match = _EPOCH.search(segment)
        iteration_match = _ITERATION.search(segment)
        pairs: dict[str, Any] = {}
        for name, number, percent in _PAIR.findall(segment):
            value = float(number) / (100.0 if percent else 1.0)
            pairs.setdefault(name.strip(), value)
        values = _metrics_of(pairs)
        if epoch_match:
            last_epoch = int(epoch_match.group(1))
        if not values:
            continue
        iteration = int(iteration_match.group(1)) if iteration_match else None
        records.append(MetricRecord("text", last_epoch, iteration, values, None, last_epoch is not None))
    return records
