"""Records of how the learner's ``tf.function``\\ s traced: plain data, no TensorFlow.

The tracing probe fills one :class:`FunctionRecord` per ``tf.function`` object it saw
called; :func:`tfgrade.diagnose.retracing.summarise` folds the records of one piece of
Python code into a :class:`TracedFunction`; a :class:`TracingObservation` is what checks
read as ``observations.tracing``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import CodeType
from typing import Any

__all__ = ["Fingerprint", "FunctionRecord", "TracedFunction", "TracingObservation"]

# One call's arguments, flattened: path ("x", "batch[0]", "cfg#keys") -> a comparable leaf,
# ("python", type name, repr) / ("tensor", dims or None, dtype) / ("object", type name, id) /
# ("structure", kind, length or keys).
Fingerprint = dict[str, tuple]


@dataclass
class FunctionRecord:
    """One ``tf.function`` object seen while the probe watched (filled in as calls happen)."""

    code: CodeType | None
    name: str
    qualname: str
    is_method: bool
    signature: Any = None            # inspect.Signature of the Python function, when known
    pyfunc: Any = None               # the Python function (for its source and scope)
    line: int | None = None          # where it is defined, when that is in a notebook cell
    calls: int = 0
    traces: int = 0
    extra_first_traces: int = 0      # a first call that traced twice (variables created lazily)
    first_seen: bool = True
    previously_traced: bool = False  # it had traced before the probe started watching
    traced_calls: list[Fingerprint] = field(default_factory=list)
    trace_lines: list[int | None] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TracedFunction:
    """One learner function (one piece of Python code) wrapped in ``tf.function``."""

    name: str                          # the Python function's name
    qualname: str                      # with its class, for methods
    line: int | None                   # where it is defined (notebook line numbers)
    traces: int                        # traces seen while the probe watched (all instances)
    calls: int                         # calls seen while the probe watched
    instances: int = 1                 # tf.function objects built around this code
    first_call_traces: int = 0         # traces made by the very first call (2 when it created variables)
    signatures: tuple[str, ...] = ()   # the inputs of each call that traced, for people
    reasons: tuple[str, ...] = ()      # "python-scalar", "python-object", "shape", "dtype", ...
    errors: tuple[str, ...] = ()       # errors raised by calls
    retraces: int = 0                  # traces beyond each instance's first (lazy-variables trace excluded)


@dataclass(frozen=True)
class TracingObservation:
    functions: tuple[TracedFunction, ...] = ()
    functions_run_eagerly: bool = False     # tf.config.run_functions_eagerly(True) was on
    tensorflow_warnings: tuple[str, ...] = ()
    hooked: bool = True                     # False: counts come from the namespace only
    # Function bodies already linted (code objects), so the checks' probe does not repeat the
    # cell's findings: the cell's observation is handed to it through ProbeContext.earlier.
    linted: frozenset[Any] = field(default=frozenset(), repr=False, compare=False)

    def function(self, name: str) -> TracedFunction | None:
        """The learner function called ``name`` (its name or qualified name), or None."""
        for fn in self.functions:
            if name in (fn.name, fn.qualname):
                return fn
        return None

    def traces_of(self, name: str) -> int:
        """How many times the learner function ``name`` traced (0 if never seen)."""
        return sum(fn.traces for fn in self.functions if name in (fn.name, fn.qualname))

    def calls_of(self, name: str) -> int:
        return sum(fn.calls for fn in self.functions if name in (fn.name, fn.qualname))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(fn.name for fn in self.functions)
