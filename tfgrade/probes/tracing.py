"""Tracing probe: how the learner's ``tf.function``\\ s traced, while a cell (or its checks) ran.

Every call of a ``tf.function`` goes through the shared call hook
(:mod:`tfgrade.probes._call_hook`, installed only while a probe listens). For each call
of a *learner* function (one whose Python code lives in a notebook cell) the probe
records whether the call traced and, if so, a fingerprint of its inputs
(:mod:`tfgrade.probes._fingerprint`), so that :mod:`tfgrade.diagnose.retracing` can say
*why* a function retraced. When the hook cannot be installed (TensorFlow internals
changed), the probe falls back to comparing the tracing counts of the functions it finds
in the namespace. TensorFlow's own "triggered tf.function retracing" warnings (logger
``tensorflow``) are recorded instead of printed, and ``run_functions_eagerly(True)`` is
noticed. The judging and wording live in :mod:`tfgrade.diagnose` (retracing reasons,
function-body lint, Keras-2 idioms in the cell source); this module only watches.

Reading the observation in a check (``observations.tracing``)::

    tracing = observations.tracing                  # a TracingObservation
    tracing.traces_of("normalize")                  # traces seen while the cell ran
    tracing.calls_of("normalize")                   # calls seen while the cell ran
    fn = tracing.function("normalize")              # TracedFunction or None
    fn.traces, fn.calls, fn.instances, fn.reasons, fn.signatures, fn.line
    tracing.functions_run_eagerly                   # run_functions_eagerly(True) was on
    tracing.tensorflow_warnings                     # TensorFlow's own retracing warnings

and to watch calls made by the check itself (``from tfgrade.checking import watch_tracing``)::

    with watch_tracing() as watched:
        for n in (2, 5, 7):
            fn(tf.random.normal([n, 3]))
    assert watched.traces_of("normalize") <= 1, "..."
"""

from __future__ import annotations

import inspect
import logging
import threading
import weakref
from contextlib import contextmanager
from types import CodeType
from typing import Any, Iterator

from ..diagnose import retracing
from ..diagnose.function_lint import lint_function
from ..diagnose.idioms import scan_source
from ..diagnose.traces import FunctionRecord, TracedFunction, TracingObservation
from ..patching import Patches
from ..report import Diagnostic
from . import _call_hook
from ._fingerprint import code_of, describe_call, is_learner_filename, learner_call_line, python_function

__all__ = ["TracedFunction", "TracingObservation", "TracingProbe", "watch_tracing"]

_MAX_TRACED_CALLS = 64


def _is_function(obj: Any) -> bool:
    try:
        import tensorflow as tf

        return isinstance(obj, tf.types.experimental.PolymorphicFunction)
    except Exception:
        return False


def _functions_run_eagerly() -> bool:
    try:
        import tensorflow as tf

        return bool(tf.config.functions_run_eagerly())
    except Exception:
        return False


def _new_record(fn: Any, fallback_name: str | None = None) -> FunctionRecord | None:
    code = code_of(fn)
    if code is None:
        if fallback_name is None:
            return None
        return FunctionRecord(code=None, name=fallback_name, qualname=fallback_name, is_method=False)
    if not is_learner_filename(code.co_filename):
        return None
    py = python_function(fn)
    try:
        signature: inspect.Signature | None = inspect.signature(py)
    except Exception:
        signature = None
    varnames = code.co_varnames[: code.co_argcount]
    return FunctionRecord(code=code, name=code.co_name, qualname=getattr(py, "__qualname__", code.co_name),
                          is_method=bool(varnames) and varnames[0] in {"self", "cls"}, signature=signature,
                          pyfunc=py, line=code.co_firstlineno)


class _RetracingLogFilter(logging.Filter):
    """Keeps TensorFlow's retracing warnings out of the output and records them."""

    def __init__(self) -> None:
        super().__init__("tfgrade.tracing")
        self.messages: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:
            return True
        if retracing.RETRACING_TEXT in text:
            self.messages.append(retracing.normalise_tf_message(text))
            return False
        return True


class TracingProbe:
    name = "tracing"

    def __init__(self, context: Any) -> None:
        self._context = context
        self._namespace = context.namespace
        self._phase = getattr(context, "source", "cell")
        self._records: weakref.WeakKeyDictionary[Any, FunctionRecord | None] = weakref.WeakKeyDictionary()
        self._order: list[FunctionRecord] = []
        self._lock = threading.Lock()
        self._at_enter: list[tuple[str, Any, int | None]] = []
        self._ids_at_enter: dict[str, int] = {}
        self._hooked = False
        self._eager = False
        self._log_filter = _RetracingLogFilter()
        self._patches = Patches()
        self._linted: set[CodeType] = set()
        self._observation: TracingObservation | None = None
        self._diagnostics: list[Diagnostic] | None = None

    # context manager ---------------------------------------------------------------------
    def __enter__(self) -> "TracingProbe":
        try:
            self._start()
        except BaseException:
            self._patches.restore()
            raise
        return self

    def _start(self) -> None:
        self._eager = _functions_run_eagerly()
        self._ids_at_enter = {k: id(v) for k, v in list(self._namespace.items())}
        for name, value in list(self._namespace.items()):
            if not name.startswith("_") and _is_function(value):
                self._at_enter.append((name, weakref.ref(value), _call_hook.tracing_count(value)))
        try:
            import tensorflow as tf

            logger = tf.get_logger()
        except Exception:
            logger = None
        if logger is not None:
            logger.addFilter(self._log_filter)
            self._patches.callback(logger.removeFilter, self._log_filter)
        self._fresh_warning_detectors()
        self._hooked = _call_hook.add_listener(self._on_call)
        if self._hooked:
            self._patches.callback(_call_hook.remove_listener, self._on_call)

    def _fresh_warning_detectors(self) -> None:
        # TensorFlow counts retracing per function across the whole session and warns at most
        # twice: fresh counters while the probe watches make its warnings the same on every run
        # of the same cell. The session's counters are put back on exit.
        try:
            from tensorflow.python.eager.polymorphic_function import polymorphic_function as pf

            manager = pf._frequent_tracing_detector_manager
            with manager._lock:
                self._patches.setattr(manager, "_detectors", weakref.WeakKeyDictionary())
        except Exception:
            pass

    def __exit__(self, *exc: Any) -> None:
        try:
            self._patches.restore()
        finally:
            self._eager = self._eager or _functions_run_eagerly()
            self._collect_from_namespace()

    # recording -----------------------------------------------------------------------------
    def _on_call(self, fn: Any, args: tuple, kwargs: dict, before: int | None, after: int | None,
                 result: Any, error: BaseException | None) -> None:
        with self._lock:
            try:
                record = self._records.get(fn, False)
            except TypeError:
                return
            if record is False:
                record = _new_record(fn)
                self._records[fn] = record
                if record is not None:
                    self._order.append(record)
            if record is None:
                return
            first = record.first_seen
            record.first_seen = False
            if first and before:
                record.previously_traced = True
            record.calls += 1
            if not self._eager and _functions_run_eagerly():
                self._eager = True
            if before is not None and after is not None and after > before:
                traced = after - before
                record.traces += traced
                if first and before == 0 and traced > 1:
                    record.extra_first_traces = traced - 1
                if len(record.traced_calls) < _MAX_TRACED_CALLS:
                    record.traced_calls.append(describe_call(record.signature, args, kwargs))
                    record.trace_lines.append(learner_call_line(record.code))
            if error is not None and len(record.errors) < 4:
                record.errors.append(f"{type(error).__name__}: {str(error).strip()}")

    def _collect_from_namespace(self) -> None:
        """Functions the hook did not see (fallback, or traced by ``get_concrete_function``)."""
        seen_codes = {r.code for r in self._order if r.code is not None}
        entered = {id(ref()): (name, count) for name, ref, count in self._at_enter if ref() is not None}
        for name, value in list(self._namespace.items()):
            if name.startswith("_") or not _is_function(value):
                continue
            try:
                if self._records.get(value, False) not in (False, None):
                    continue
            except TypeError:
                continue
            code = code_of(value)
            if code is not None and code in seen_codes:
                continue
            record = _new_record(value, fallback_name=name)
            if record is None:
                continue
            now = _call_hook.tracing_count(value) or 0
            existed = id(value) in entered
            _, then = entered.get(id(value), (name, 0))
            record.traces = max(now - (then or 0), 0)
            record.previously_traced = bool(then)
            if existed and record.traces == 0:
                continue        # an older function this run did not touch: not this cell's business
            if then == 0 and record.traces > 0:
                record.extra_first_traces = 0
            self._order.append(record)
            seen_codes.add(code)  # type: ignore[arg-type]

    # results -------------------------------------------------------------------------------
    def _groups(self) -> list[list[FunctionRecord]]:
        groups: dict[Any, list[FunctionRecord]] = {}
        for record in self._order:
            key = record.code if record.code is not None else ("name", record.name)
            groups.setdefault(key, []).append(record)
        return list(groups.values())

    def observation(self) -> TracingObservation:
        if self._observation is None:
            self.diagnostics()     # decides which function bodies were linted
            self._observation = TracingObservation(
                functions=tuple(retracing.summarise(group) for group in self._groups()),
                functions_run_eagerly=self._eager, tensorflow_warnings=tuple(self._log_filter.messages),
                hooked=self._hooked, linted=frozenset(self._linted),
            )
        return self._observation

    def traces_of(self, name: str) -> int:
        return self.observation().traces_of(name)

    def calls_of(self, name: str) -> int:
        return self.observation().calls_of(name)

    def diagnostics(self) -> list[Diagnostic]:
        if self._diagnostics is None:
            self._diagnostics = self._build_diagnostics()
        return list(self._diagnostics)

    def _build_diagnostics(self) -> list[Diagnostic]:
        # The checks' probe does not repeat what the cell's probe said about the same code.
        earlier = getattr(getattr(self._context, "earlier", None), "tracing", None)
        if self._phase == "checks" and isinstance(earlier, TracingObservation):
            self._linted, eager_reported = set(earlier.linted), earlier.functions_run_eagerly
        else:
            self._linted, eager_reported = set(), False
        out: list[Diagnostic] = []
        if self._eager and not eager_reported:
            out.append(retracing.eager_diagnostic())
        severity = "warning" if self._phase == "cell" else "info"
        warnings_left = list(self._log_filter.messages)
        for group in self._groups():
            summary = retracing.summarise(group)
            retrace = retracing.retracing_diagnostic(summary, group, severity)
            if retrace is not None:
                mine = [w for w in warnings_left if retracing.mentions(w, summary.name)]
                if mine:
                    warnings_left = [w for w in warnings_left if w not in mine]
                    retrace = retracing.with_details(retrace, tensorflow_warnings=mine)
                out.append(retrace)
            code = group[0].code
            if code is not None and code not in self._linted:
                out.extend(lint_function(group[0], summary))
                self._linted.add(code)
        out.extend(retracing.tensorflow_warning_diagnostic(message) for message in warnings_left)
        if self._phase == "cell":
            out.extend(self._keras_step_diagnostics())
            first_line = int(getattr(self._context, "first_line", 2))
            out.extend(scan_source(getattr(self._context, "cell_source", "") or "", line_offset=first_line - 1))
        return out

    def _keras_step_diagnostics(self) -> list[Diagnostic]:
        """train_step/test_step/predict_step of Keras models the cell defined: Keras traces them."""
        try:
            import keras
        except Exception:
            return []
        out: list[Diagnostic] = []
        for name, value in list(self._namespace.items()):
            if name.startswith("_") or not isinstance(value, type) or self._ids_at_enter.get(name) == id(value):
                continue
            try:
                if not issubclass(value, keras.Model):
                    continue
            except TypeError:
                continue
            for method in ("train_step", "test_step", "predict_step"):
                fn = value.__dict__.get(method)
                code = getattr(fn, "__code__", None)
                if code is None or code in self._linted or not is_learner_filename(code.co_filename):
                    continue
                qualname = f"{value.__name__}.{method}"
                record = FunctionRecord(code=code, name=method, qualname=qualname, is_method=True, pyfunc=fn,
                                        line=code.co_firstlineno)
                summary = TracedFunction(name=qualname, qualname=qualname, line=code.co_firstlineno,
                                         traces=0, calls=0)
                out.extend(lint_function(record, summary))
                self._linted.add(code)
        return out


@contextmanager
def watch_tracing(namespace: dict[str, Any] | None = None) -> Iterator[TracingProbe]:
    """Watch the tf.function calls made inside the ``with`` block (for checks).

    The yielded probe answers ``traces_of(name)``, ``calls_of(name)`` and
    ``observation()`` once the block has ended.
    """
    from . import ProbeContext

    probe = TracingProbe(ProbeContext(namespace=namespace if namespace is not None else {}, source="watch"))
    with probe:
        yield probe
