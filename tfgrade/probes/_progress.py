"""Watchers of progress bars: tqdm bars and ``keras.utils.Progbar``, as snapshots.

Each time a tqdm bar (``tqdm``, ``tqdm.auto``, ``tqdm.notebook``: all share ``tqdm.std.tqdm``)
gets ``set_postfix`` / ``set_description`` or refreshes, a :class:`TqdmSnapshot` records its
description, exact iteration count, total, postfix values and formatted meter; a notebook
bar writes no text at all, so this is how its numbers are seen. ``Progbar.update`` calls
are recorded the same way (when Keras is already imported), with the values it shows.
The watchers patch the classes through :class:`tfgrade.patching.Patches` and watch only
bars created while they run.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from ..patching import Patches

__all__ = ["TqdmSnapshot", "TqdmWatch", "ProgbarWatch"]

_MAX_SNAPSHOTS = 50_000


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


class TqdmWatch:
    """Class-level patches of ``tqdm.std.tqdm`` (the base of tqdm.auto / tqdm.notebook bars)."""

    _METHODS = ("__init__", "__iter__", "set_postfix", "set_postfix_str", "set_description", "set_description_str",
                "refresh", "close")

    def __init__(self, sink: list[TqdmSnapshot], started: float) -> None:
        self._sink, self._started = sink, started
        self._token: object | None = None
        self._count = 0
        self._lock = threading.Lock()

    def start(self, patches: Patches) -> None:
        try:
            from tqdm import std
        except Exception:   # tqdm absent: nothing to watch
            return
        cls = std.tqdm
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

        patches.setattr(cls, "__init__", __init__)
        patches.setattr(cls, "__iter__", __iter__)
        for name in self._METHODS[2:]:
            patches.setattr(cls, name, wrap(name))

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


class ProgbarWatch:
    """Class-level patch of ``keras.utils.Progbar.update`` (only if Keras is already imported)."""

    def __init__(self, sink: list[TqdmSnapshot], started: float) -> None:
        self._sink, self._started = sink, started
        self._count = 0

    def start(self, patches: Patches) -> None:
        if "keras" not in sys.modules:
            return
        try:
            from keras.src.utils.progbar import Progbar
        except Exception:
            return
        original = Progbar.update
        watch = self

        def update(bar: Any, current: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(bar, current, *args, **kwargs)
            watch._snapshot(bar, current)
            return result

        update.__wrapped__ = original   # type: ignore[attr-defined]
        patches.setattr(Progbar, "update", update)

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
                    postfix_text=", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                           for k, v in shown.items()),
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
