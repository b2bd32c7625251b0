"""The training numbers a loop displayed, read from what the output probe recorded.

Pure text and record parsing (no TensorFlow): tqdm postfixes (from the probe's
``TqdmSnapshot``\\ s) and printed lines such as ``Epoch 2/3 - loss: 0.41 - val_acc: 88%``
become :class:`MetricRecord`\\ s with normalised metric names. ``OutputObservation.metrics()``
is the way checks reach it (ex13 reads the loop's displayed numbers that way).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any, Sequence

__all__ = ["MetricRecord", "normalise_metric_name", "displayed_metrics"]


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


def _tqdm_records(snapshots: Sequence[Any]) -> list[MetricRecord]:
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


def displayed_metrics(stdout: str, stderr: str, snapshots: Sequence[Any],
                      include_undisplayed: bool = False) -> list[MetricRecord]:
    """tqdm / Progbar records first, then printed lines; see ``OutputObservation.metrics``."""
    bars = _tqdm_records(snapshots)
    has_progbar = any(s.event == "progbar" for s in snapshots)
    text = _text_records(stdout, stderr, skip_progbar_lines=has_progbar)
    if has_progbar:
        # Keras style: "Epoch 2/3" printed above each Progbar names the bar's epoch.
        unnamed = {r.bar for r in bars if not r.epoch_shown}
        if unnamed and len(_EPOCH.findall(stdout)) >= len(unnamed):
            bars = [replace(r, epoch_shown=True) for r in bars]
    records = bars + text
    return records if include_undisplayed else [r for r in records if r.displayed]
