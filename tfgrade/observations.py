"""What was seen while a cell (or its checks) ran: the value checks read through fixtures.

Each probe contributes one attribute, named after the probe; a probe that was not
enabled leaves its attribute ``None``. ``cell`` is the outcome of running the cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .report import CellError, Diagnostic

__all__ = ["CellOutcome", "Observations"]


@dataclass(frozen=True)
class CellOutcome:
    error: CellError | None
    duration: float
    defined: tuple[str, ...] = ()   # names the cell bound (new or rebound)
    filename: str = ""              # the code object filename of the cell
    parsed: bool = True             # False: the cell did not compile, so nothing of it ran

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Observations:
    cell: CellOutcome | None = None
    output: Any = None       # probes.output.OutputObservation
    tracing: Any = None      # probes.tracing.TracingObservation
    devices: Any = None      # probes.devices.DeviceObservation
    optimizers: Any = None   # probes.optimizers.OptimizerObservation
    datasets: Any = None     # probes.datasets.DatasetsObservation
    diagnostics: tuple[Diagnostic, ...] = field(default_factory=tuple)
