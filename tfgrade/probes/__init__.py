"""Probes: context managers that watch TensorFlow while learner code runs.

Each probe records one kind of fact and restores everything it touched on exit; none
changes what learner code computes. :class:`ProbeSession` enters the enabled probes
together and assembles their results into an :class:`~tfgrade.observations.Observations`.

A probe module defines one class with:

- ``name`` (class attribute): the ``Observations`` field it fills;
- ``__init__(self, context: ProbeContext)``;
- ``__enter__`` / ``__exit__``;
- ``observation(self)``: the recorded value (after exit);
- ``diagnostics(self) -> list[Diagnostic]``: learner-facing findings (after exit).

Probes only watch: every change they make to TensorFlow, Keras, tqdm, logging or the
process's streams goes through :class:`tfgrade.patching.Patches` and is undone on exit,
interrupted or not. Judging and wording of what they saw is :mod:`tfgrade.diagnose`'s job.
"""

from __future__ import annotations

import importlib
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any, MutableMapping, Sequence

from ..observations import CellOutcome, Observations
from ..patching import interrupts_deferred
from ..report import Diagnostic

__all__ = ["ProbeContext", "ProbeSession", "PROBE_MODULES"]

# The one list of probes: name -> "module:Class", in the order they are entered (output first,
# so it sees what the others write). Imported lazily so that `%load_ext tfgrade` stays quick;
# `config.ALL_PROBES` is derived from it.
PROBE_MODULES = {
    "output": "tfgrade.probes.output:OutputProbe",
    "tracing": "tfgrade.probes.tracing:TracingProbe",
    "devices": "tfgrade.probes.devices:DevicesProbe",
    "optimizers": "tfgrade.probes.optimizers:OptimizersProbe",
    "datasets": "tfgrade.probes.datasets:DatasetsProbe",
}


@dataclass(frozen=True)
class ProbeContext:
    namespace: MutableMapping[str, Any]
    source: str = "cell"                # "cell" or "checks": copied into diagnostics
    echo_output: bool = True            # tee captured output to the real streams
    cell_source: str = ""               # the learner's cell body (empty while checks run)
    first_line: int = 2                 # notebook line of the body's first line (2 under %%tfcheck)
    earlier: Observations | None = None  # while checks run: what the probes saw while the cell ran


def _probe_class(name: str) -> type:
    module_name, _, class_name = PROBE_MODULES[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


class ProbeSession:
    """Enter several probes as one context manager; read ``observations`` after exit."""

    def __init__(self, names: Sequence[str], context: ProbeContext) -> None:
        unknown = set(names) - set(PROBE_MODULES)
        if unknown:
            raise ValueError(f"unknown probes {sorted(unknown)}; known: {sorted(PROBE_MODULES)}")
        self._probes = [_probe_class(n)(context) for n in names]
        self._stack = ExitStack()
        self._context = context

    def __enter__(self) -> "ProbeSession":
        # An interrupt while probes are being entered is held back until all are in, and then
        # unwinds them: never some probes left in place with nobody to exit them.
        stack = ExitStack()
        try:
            with interrupts_deferred():
                for probe in self._probes:
                    stack.enter_context(probe)
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        return self

    def __exit__(self, *exc_info: Any) -> bool:
        with interrupts_deferred():
            return bool(self._stack.__exit__(*exc_info))

    def observations(self, cell: CellOutcome | None = None) -> Observations:
        values: dict[str, Any] = {p.name: p.observation() for p in self._probes}
        found: list[Diagnostic] = []
        for probe in self._probes:
            found.extend(replace(d, source=self._context.source) for d in probe.diagnostics())
        return Observations(cell=cell, diagnostics=tuple(found), **values)
