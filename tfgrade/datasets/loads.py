"""The record of dataset loads: which source served each one (read by the datasets probe)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

__all__ = ["DataLoad", "LoadLog", "report_data"]


@dataclass(frozen=True)
class DataLoad:
    """One load of a dataset: where it came from and how big it was."""

    dataset: str
    source: str       # "keras-cache" | "course" | "download" | "stand-in"
    train: int
    test: int
    reason: str = ""  # why the preferred sources did not serve (e.g. the stand-in's cause)

    @property
    def stand_in(self) -> bool:
        return self.source == "stand-in"

    def entry(self) -> dict[str, Any]:
        """What ``Report.data`` holds for this dataset."""
        return {"source": self.source, "train": self.train, "test": self.test}


class LoadLog:
    """The loads one loader served, oldest first (the newest ``limit`` are kept)."""

    def __init__(self, limit: int = 100) -> None:
        self._loads: deque[DataLoad] = deque(maxlen=limit)
        self._count = 0
        self._lock = threading.Lock()

    def record(self, load: DataLoad) -> None:
        with self._lock:
            self._loads.append(load)
            self._count += 1

    @property
    def count(self) -> int:
        """How many loads were ever recorded: a mark for :meth:`since`."""
        return self._count

    def since(self, mark: int) -> list[DataLoad]:
        """The loads recorded after ``count`` was ``mark`` (as far as they are still kept)."""
        with self._lock:
            newer = self._count - mark
            return list(self._loads)[-newer:] if newer > 0 else []

    def latest(self) -> dict[str, DataLoad]:
        """The last load of each dataset."""
        with self._lock:
            return {load.dataset: load for load in self._loads}


_PRETTY = {"fashion_mnist": "Fashion-MNIST"}


def report_data(*observations: Any) -> tuple[dict[str, Any], list[Any]]:
    """``Report.data`` and info diagnostics from datasets-probe observations (``None`` ones skipped).

    Later observations win (the checks' after the cell's). A dataset the stand-in served
    adds one ``Diagnostic(kind="data", severity="info")``, so the card says so.
    """
    served: dict[str, DataLoad] = {}
    for observation in observations:
        if observation is not None:
            served.update(observation.served)
    if not served:
        return {}, []
    from ..report import Diagnostic

    notes = [
        Diagnostic(
            kind="data", severity="info", source="checks",
            message=f"Graded on tfgrade's synthetic stand-in for {_PRETTY.get(name, name)} "
            f"({load.train:,} training and {load.test:,} test images), not on the real data"
            + (f": {load.reason}." if load.reason else "."),
            fix="To grade on the real data, put the four Keras files in ~/.keras/datasets/fashion-mnist/ "
            "or point TFGRADE_DATA at a folder that holds them.",
            details=dict(load.entry(), dataset=name),
        )
        for name, load in served.items() if load.stand_in
    ]
    return {name: load.entry() for name, load in served.items()}, notes
