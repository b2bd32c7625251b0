"""Datasets probe: which source served each dataset the learner's session loaded.

The loads themselves are recorded by the offline fallback that ``%load_ext tfgrade``
installs (:class:`tfgrade.datasets.OfflineFallback`); this probe reads its log. Learners
load data in an ordinary cell before the graded one, so ``served`` holds the last load
of each dataset in this process, not only those made while the probe ran (``during``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..datasets import DataLoad, installed_fallback
from ..report import Diagnostic

__all__ = ["DatasetsObservation", "DatasetsProbe"]


@dataclass(frozen=True)
class DatasetsObservation:
    served: dict[str, DataLoad] = field(default_factory=dict)   # dataset -> its last load so far
    during: tuple[DataLoad, ...] = ()                             # loads made while the probe ran

    @property
    def stand_in(self) -> bool:
        """Whether the stand-in served any dataset."""
        return any(load.stand_in for load in self.served.values())


class DatasetsProbe:
    name = "datasets"

    def __init__(self, context: Any) -> None:
        self._context = context
        self._fallback = None
        self._mark = 0
        self._observation = DatasetsObservation()

    def __enter__(self) -> "DatasetsProbe":
        self._fallback = installed_fallback()
        self._mark = self._fallback.log.count if self._fallback is not None else 0
        return self

    def __exit__(self, *exc: Any) -> None:
        # The fallback may have been installed while the probe ran (`%load_ext` in the cell).
        fallback = installed_fallback()
        if fallback is None:
            return
        during = fallback.log.since(self._mark if fallback is self._fallback else 0)
        self._observation = DatasetsObservation(served=fallback.log.latest(), during=tuple(during))

    def observation(self) -> DatasetsObservation:
        return self._observation

    def diagnostics(self) -> list[Diagnostic]:
        return []   # the engine words the stand-in notice once, from the cell's and the checks' observations
