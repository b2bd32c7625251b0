"""Tracing probe: how the learner's ``tf.function``\\ s traced, and what that reveals.

While a cell (and then its checks) runs, every call of a ``tf.function`` goes through a
light hook on ``PolymorphicFunction.__call__`` (installed for the duration of the probe
and removed afterwards, even on error). For each call of a *learner* function (one whose
Python code lives in a notebook cell) the hook reads ``experimental_get_tracing_count()``
before and after: a call that raised the count traced, and the inputs of that call are
remembered so the probe can say *why* a function retraced (Python numbers or objects as
arguments, changing shapes or dtypes, a new ``tf.function`` built on every loop
iteration). When the hook cannot be installed (TensorFlow internals changed), the probe
falls back to comparing the tracing counts of the functions it finds in the namespace.

The probe also reads the learner's function source (``inspect.getsource``) for code that
behaves differently under tracing: ``print``, appending to an outside list or changing a
global (they run only while tracing), NumPy or ``random`` calls (their result is frozen
into the graph), ``tf.Variable`` created in the body. TensorFlow's own "triggered
tf.function retracing" warnings (Python logger ``tensorflow``) are captured into the
observation instead of being printed, and ``tf.config.run_functions_eagerly(True)`` is
reported because it hides all tracing. Keras-2-only idioms in the cell source are
reported through :mod:`tfgrade.probes.idioms`.

Reading the observation in a check (``observations.tracing``)::

    tracing = observations.tracing                  # a TracingObservation
    tracing.traces_of("normalize")                  # traces seen while the cell ran
    tracing.calls_of("normalize")                   # calls seen while the cell ran
    fn = tracing.function("normalize")              # TracedFunction or None
    fn.traces, fn.calls, fn.instances, fn.reasons, fn.signatures, fn.line
    tracing.functions_run_eagerly                   # run_functions_eagerly(True) was on
    tracing.tensorflow_warnings                     # TensorFlow's own retracing warnings

and to watch calls made by the check itself (the q09 pattern: "one trace across varied
tensor inputs")::

    from tfgrade.probes.tracing import watch_tracing

    with watch_tracing() as watched:
        for n in (2, 5, 7):
            fn(tf.random.normal([n, 3]))
    assert watched.traces_of("normalize") <= 1, "..."

Diagnostics are quiet for healthy code: a train step that traces twice on its first call
(optimizer slots created lazily) and once more for a smaller last batch is not flagged.
"""

from __future__ import annotations

import ast
import inspect
import logging
import re
import sys
import textwrap
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import CodeType, ModuleType
from typing import Any, Callable, Iterator

from ..report import Diagnostic

__all__ = [
    "TracedFunction", "TracingObservation", "TracingProbe", "watch_tracing", "explain_cell_error",
    "add_call_listener", "remove_call_listener",
]

# Retracing is flagged from this many traces (first trace included, the extra trace a
# first call makes when it creates variables excluded) when Python values caused it...
_PYTHON_RETRACE_THRESHOLD = 3
# ... and from this many for any other reason (shapes, dtypes): one smaller last batch and
# one training flag must stay quiet.
_OTHER_RETRACE_THRESHOLD = 4
# A tf.function object built this many times around the same Python function is "in a loop".
_NEW_FUNCTION_THRESHOLD = 3
_MAX_SIGNATURES = 12
_RETRACING_TEXT = "triggered tf.function retracing"
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_VARIABLE_ERRORS = ("singleton tf.Variables", "create variables on non-first call", "tried to create variables")


# -- the call hook (shared with the devices probe) ------------------------------------------

CallListener = Callable[[Any, tuple, dict, "int | None", "int | None", Any, "BaseException | None"], None]


class _CallHook:
    """Patches ``Function.__call__`` while at least one listener is registered."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.listeners: tuple[CallListener, ...] = ()
        self.cls: type | None = None
        self.original: Any = None

    def add(self, listener: CallListener) -> bool:
        with self.lock:
            if not self.listeners:
                if not self._install():
                    return False
            self.listeners = (*self.listeners, listener)
            return True

    def remove(self, listener: CallListener) -> None:
        with self.lock:
            self.listeners = tuple(x for x in self.listeners if x is not listener)
            if not self.listeners and self.cls is not None:
                setattr(self.cls, "__call__", self.original)
                self.cls, self.original = None, None

    def _install(self) -> bool:
        try:
            import tensorflow as tf

            cls = type(tf.function(lambda: None))
            original = cls.__dict__["__call__"]
            if not isinstance(cls, type) or not callable(original):
                return False
        except Exception:
            return False
        hook = self

        def __call__(fn: Any, *args: Any, **kwargs: Any) -> Any:   # noqa: N807 - the patched method
            listeners = hook.listeners
            if not listeners:
                return original(fn, *args, **kwargs)
            before = _tracing_count(fn)
            result: Any = None
            error: BaseException | None = None
            try:
                result = original(fn, *args, **kwargs)
                return result
            except BaseException as exc:
                error = exc
                raise
            finally:
                after = _tracing_count(fn)
                for listener in listeners:
                    try:
                        listener(fn, args, kwargs, before, after, result, error)
                    except Exception:   # a probe must never change what learner code does
                        pass

        __call__.__wrapped__ = original   # type: ignore[attr-defined]
        self.cls, self.original = cls, original
        setattr(cls, "__call__", __call__)
        return True


_HOOK = _CallHook()


def add_call_listener(listener: CallListener) -> bool:
    """Call ``listener(fn, args, kwargs, traces_before, traces_after, result, error)`` after
    every ``tf.function`` call until removed; False when the hook cannot be installed."""
    return _HOOK.add(listener)


def remove_call_listener(listener: CallListener) -> None:
    _HOOK.remove(listener)


def _tracing_count(fn: Any) -> int | None:
    try:
        return int(fn.experimental_get_tracing_count())
    except Exception:
        return None


# -- helpers ---------------------------------------------------------------------------------

def _is_learner_filename(filename: str) -> bool:
    from ..execute import is_learner_filename

    return is_learner_filename(filename)


def _python_function(fn: Any) -> Any:
    return getattr(fn, "python_function", None) or getattr(fn, "_python_function", None)


def _code_of(fn: Any) -> CodeType | None:
    py = _python_function(fn)
    try:
        py = inspect.unwrap(py)       # Keras wraps its steps in AutoGraph's do_not_convert
    except Exception:
        pass
    py = getattr(py, "__func__", py)
    code = getattr(py, "__code__", None)
    return code if isinstance(code, CodeType) else None


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


def _learner_call_line(skip_code: CodeType | None) -> int | None:
    frame = sys._getframe(2)
    depth = 0
    while frame is not None and depth < 40:
        code = frame.f_code
        if code is not skip_code and _is_learner_filename(code.co_filename):
            return frame.f_lineno
        frame, depth = frame.f_back, depth + 1   # type: ignore[assignment]
    return None


def _leaf(value: Any) -> tuple:
    """A comparable description of one argument (what TensorFlow traces on)."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        text = repr(value)
        return ("python", type(value).__name__, text if len(text) <= 40 else text[:37] + "...")
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if shape is not None and dtype is not None and type(value).__module__.split(".")[0] in {
        "tensorflow", "numpy", "keras", "tf_keras",
    }:
        try:
            raw = shape.as_list() if hasattr(shape, "as_list") else shape
            dims = tuple(None if d is None else int(d) for d in raw)
        except Exception:
            dims = None
        return ("tensor", dims, str(getattr(dtype, "name", dtype)))
    return ("object", type(value).__name__, id(value))


def _flatten(path: str, value: Any, out: dict[str, tuple], depth: int = 0) -> None:
    if depth < 2 and isinstance(value, (list, tuple)) and len(value) <= 8 and not hasattr(value, "_fields"):
        out[path + "#len"] = ("structure", type(value).__name__, len(value))
        for i, item in enumerate(value):
            _flatten(f"{path}[{i}]", item, out, depth + 1)
    elif depth < 2 and isinstance(value, dict) and len(value) <= 8:
        out[path + "#keys"] = ("structure", "dict", tuple(sorted(map(str, value))))
        for key in sorted(value, key=str):
            _flatten(f"{path}[{key!r}]", value[key], out, depth + 1)
    else:
        out[path] = _leaf(value)


def _describe_call(signature: inspect.Signature | None, args: tuple, kwargs: dict) -> dict[str, tuple]:
    named: list[tuple[str, Any]]
    try:
        assert signature is not None
        bound = signature.bind(*args, **kwargs)
        named = list(bound.arguments.items())
    except Exception:
        named = [(f"argument {i + 1}", a) for i, a in enumerate(args)] + sorted(kwargs.items())
    out: dict[str, tuple] = {}
    for name, value in named:
        _flatten(name, value, out)
    return out


def _show_leaf(leaf: tuple) -> str:
    kind = leaf[0]
    if kind == "python":
        return leaf[2]
    if kind == "tensor":
        dims = "?" if leaf[1] is None else "[" + ", ".join("None" if d is None else str(d) for d in leaf[1]) + "]"
        return f"tensor {dims} {leaf[2]}"
    if kind == "structure":
        return f"{leaf[1]} of {leaf[2]}" if isinstance(leaf[2], int) else f"dict with keys {list(leaf[2])}"
    return f"a {leaf[1]} object"


def _show_signature(described: dict[str, tuple]) -> str:
    parts = [f"{k}={_show_leaf(v)}" for k, v in described.items() if not k.endswith(("#len", "#keys"))]
    return "(" + ", ".join(parts) + ")"


def _normalise_tf_message(text: str) -> str:
    return _ADDRESS.sub("", " ".join(text.split()))


# -- records ---------------------------------------------------------------------------------

@dataclass
class _Instance:
    """One tf.function object seen while the probe watched."""

    code: CodeType | None
    name: str
    qualname: str
    is_method: bool
    signature: inspect.Signature | None
    pyfunc: Any = None              # the Python function (for its source and scope)
    calls: int = 0
    traces: int = 0
    extra_first_traces: int = 0     # a first call that traced twice (variables created lazily)
    first_seen: bool = True
    previously_traced: bool = False  # it had traced before the probe started watching
    traced_calls: list[dict[str, tuple]] = field(default_factory=list)
    trace_lines: list[int | None] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _new_instance(fn: Any, fallback_name: str | None = None) -> _Instance | None:
    code = _code_of(fn)
    if code is None:
        if fallback_name is None:
            return None
        return _Instance(code=None, name=fallback_name, qualname=fallback_name, is_method=False, signature=None)
    if not _is_learner_filename(code.co_filename):
        return None
    py = _python_function(fn)
    try:
        signature: inspect.Signature | None = inspect.signature(py)
    except Exception:
        signature = None
    varnames = code.co_varnames[: code.co_argcount]
    is_method = bool(varnames) and varnames[0] in {"self", "cls"}
    return _Instance(code=code, name=code.co_name, qualname=getattr(py, "__qualname__", code.co_name),
                     is_method=is_method, signature=signature, pyfunc=py)


# -- the observation -------------------------------------------------------------------------

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


# -- the probe -------------------------------------------------------------------------------

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
        if _RETRACING_TEXT in text:
            self.messages.append(_normalise_tf_message(text))
            return False
        return True


# Functions already reported while a cell ran, so the checks that follow do not repeat the
# same findings about the code: namespace id -> (code objects, eager reported).
_REPORTED: dict[int, tuple[set[CodeType], bool]] = {}


class TracingProbe:
    name = "tracing"

    def __init__(self, context: Any) -> None:
        self._context = context
        self._namespace = context.namespace
        self._phase = getattr(context, "source", "cell")
        self._instances: weakref.WeakKeyDictionary[Any, _Instance | None] = weakref.WeakKeyDictionary()
        self._order: list[_Instance] = []
        self._lock = threading.Lock()
        self._at_enter: list[tuple[str, Any, int | None]] = []
        self._ids_at_enter: dict[str, int] = {}
        self._hooked = False
        self._eager = False
        self._log_filter = _RetracingLogFilter()
        self._saved_detectors: tuple[Any, Any] | None = None
        self._logger: logging.Logger | None = None
        self._observation: TracingObservation | None = None
        self._diagnostics: list[Diagnostic] | None = None

    # context manager ---------------------------------------------------------------------
    def __enter__(self) -> "TracingProbe":
        self._eager = _functions_run_eagerly()
        self._ids_at_enter = {k: id(v) for k, v in list(self._namespace.items())}
        for name, value in list(self._namespace.items()):
            if not name.startswith("_") and _is_function(value):
                self._at_enter.append((name, weakref.ref(value), _tracing_count(value)))
        try:
            import tensorflow as tf

            self._logger = tf.get_logger()
            self._logger.addFilter(self._log_filter)
        except Exception:
            self._logger = None
        self._swap_warning_detectors()
        try:
            self._hooked = add_call_listener(self._on_call)
        except Exception:
            self._hooked = False
        return self

    def _swap_warning_detectors(self) -> None:
        # TensorFlow counts retracing per function across the whole session and warns at most
        # twice: fresh counters while the probe watches make its warnings the same on every run
        # of the same cell. The session's counters are put back on exit.
        try:
            from tensorflow.python.eager.polymorphic_function import polymorphic_function as pf

            manager = pf._frequent_tracing_detector_manager
            with manager._lock:
                self._saved_detectors = (manager, manager._detectors)
                manager._detectors = weakref.WeakKeyDictionary()
        except Exception:
            self._saved_detectors = None

    def _restore_warning_detectors(self) -> None:
        if self._saved_detectors is not None:
            manager, detectors = self._saved_detectors
            with manager._lock:
                manager._detectors = detectors
            self._saved_detectors = None

    def __exit__(self, *exc: Any) -> None:
        try:
            if self._hooked:
                remove_call_listener(self._on_call)
        finally:
            self._restore_warning_detectors()
            if self._logger is not None:
                self._logger.removeFilter(self._log_filter)
            self._eager = self._eager or _functions_run_eagerly()
            self._collect_from_namespace()

    # recording -----------------------------------------------------------------------------
    def _on_call(self, fn: Any, args: tuple, kwargs: dict, before: int | None, after: int | None,
                 result: Any, error: BaseException | None) -> None:
        with self._lock:
            try:
                record = self._instances.get(fn, False)
            except TypeError:
                return
            if record is False:
                record = _new_instance(fn)
                self._instances[fn] = record
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
                if len(record.traced_calls) < 64:
                    record.traced_calls.append(_describe_call(record.signature, args, kwargs))
                    record.trace_lines.append(_learner_call_line(record.code))
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
                if self._instances.get(value, False) not in (False, None):
                    continue
            except TypeError:
                continue
            code = _code_of(value)
            if code is not None and code in seen_codes:
                continue
            record = _new_instance(value, fallback_name=name)
            if record is None:
                continue
            now = _tracing_count(value) or 0
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
    def _groups(self) -> list[list[_Instance]]:
        groups: dict[Any, list[_Instance]] = {}
        for record in self._order:
            key = record.code if record.code is not None else ("name", record.name)
            groups.setdefault(key, []).append(record)
        return list(groups.values())

    def observation(self) -> TracingObservation:
        if self._observation is None:
            functions = tuple(_summarise(group) for group in self._groups())
            self._observation = TracingObservation(
                functions=functions, functions_run_eagerly=self._eager,
                tensorflow_warnings=tuple(self._log_filter.messages), hooked=self._hooked,
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
        from .idioms import scan_source

        out: list[Diagnostic] = []
        severity = "warning" if self._phase == "cell" else "info"
        memo_key = id(self._namespace)
        if self._phase == "cell":
            reported: set[CodeType] = set()
            eager_reported = False
        elif self._phase == "checks":
            reported, eager_reported = _REPORTED.pop(memo_key, (set(), False))
        else:
            reported, eager_reported = set(), False

        if self._eager and not eager_reported:
            out.append(Diagnostic(
                kind="functions-run-eagerly", severity="warning",
                message="tf.config.run_functions_eagerly(True) is switched on, so every tf.function runs "
                        "as plain Python: nothing is traced and graph mode brings no speed.",
                fix="Remove that call or switch it back with tf.config.run_functions_eagerly(False); "
                    "it is a debugging aid only.",
            ))
            eager_reported = True

        warnings_left = list(self._log_filter.messages)
        codes_here: set[CodeType] = set()
        for group in self._groups():
            summary = _summarise(group)
            retrace = _retracing_diagnostic(summary, group, severity)
            if retrace is not None:
                mine = [w for w in warnings_left if _mentions(w, summary.name)]
                if mine:
                    warnings_left = [w for w in warnings_left if w not in mine]
                    retrace = _with_details(retrace, tensorflow_warnings=mine)
                out.append(retrace)
            code = group[0].code
            if code is not None:
                codes_here.add(code)
                if code not in reported:
                    out.extend(_source_diagnostics(group, summary))
                    reported.add(code)
        for message in warnings_left:
            out.append(Diagnostic(
                kind="tensorflow-warning", severity="info",
                message=f"TensorFlow warned: {message.split('. ')[0].rstrip('.')}.",
                fix="Call each tf.function with tensors of stable shapes, and create it once outside loops.",
                details={"text": message},
            ))
        if self._phase == "cell":
            out.extend(self._keras_step_diagnostics(reported))
            out.extend(scan_source(getattr(self._context, "cell_source", "") or ""))
            _REPORTED[memo_key] = (reported, eager_reported)
            while len(_REPORTED) > 8:
                _REPORTED.pop(next(iter(_REPORTED)))
        return out


    def _keras_step_diagnostics(self, reported: set[CodeType]) -> list[Diagnostic]:
        """train_step/test_step/predict_step of Keras models the cell defined: Keras traces them."""
        try:
            import keras
        except Exception:
            return []
        out: list[Diagnostic] = []
        for name, value in list(self._namespace.items()):
            if (name.startswith("_") or not isinstance(value, type) or self._ids_at_enter.get(name) == id(value)):
                continue
            try:
                if not issubclass(value, keras.Model):
                    continue
            except TypeError:
                continue
            for method in ("train_step", "test_step", "predict_step"):
                fn = value.__dict__.get(method)
                code = getattr(fn, "__code__", None)
                if code is None or code in reported or not _is_learner_filename(code.co_filename):
                    continue
                record = _Instance(code=code, name=method, qualname=f"{value.__name__}.{method}", is_method=True,
                                   signature=None, pyfunc=fn)
                summary = TracedFunction(name=f"{value.__name__}.{method}", qualname=record.qualname,
                                         line=code.co_firstlineno, traces=0, calls=0)
                out.extend(_source_diagnostics([record], summary))
                reported.add(code)
        return out


def _with_details(diag: Diagnostic, **more: Any) -> Diagnostic:
    from dataclasses import replace

    return replace(diag, details={**diag.details, **more})


def _mentions(message: str, name: str) -> bool:
    return f"<function {name}>" in message or re.search(rf"<function [\w.]*\b{re.escape(name)}>", message) is not None


def _summarise(group: list[_Instance]) -> TracedFunction:
    first = group[0]
    code = first.code
    line = code.co_firstlineno if code is not None and _is_learner_filename(code.co_filename) else None
    traced = [sig for r in group for sig in r.traced_calls]
    errors: list[str] = []
    for r in group:
        errors.extend(e for e in r.errors if e not in errors)
    return TracedFunction(
        name=first.name, qualname=first.qualname, line=line,
        traces=sum(r.traces for r in group), calls=sum(r.calls for r in group),
        instances=len(group), first_call_traces=1 + first.extra_first_traces if first.traces else 0,
        signatures=tuple(_show_signature(s) for s in traced[:_MAX_SIGNATURES]),
        reasons=tuple(r["reason"] for r in _reasons(group)), errors=tuple(errors[:4]),
        retraces=_retraces(group),
    )


def _retraces(group: list[_Instance]) -> int:
    # Each tf.function object's first trace (two when it creates variables) is expected.
    return sum(max(r.traces - r.extra_first_traces - (0 if r.previously_traced else 1), 0) for r in group)


def _reasons(group: list[_Instance]) -> list[dict[str, Any]]:
    """Why the traces of one function differ, from the inputs of the calls that traced."""
    found: list[dict[str, Any]] = []
    non_method = [r for r in group if not r.is_method]
    if len(non_method) >= _NEW_FUNCTION_THRESHOLD and sum(1 for r in non_method if r.traces) >= _NEW_FUNCTION_THRESHOLD:
        found.append({"reason": "new-function", "instances": len(non_method)})
    paths: dict[str, list[tuple]] = {}
    for record in group:
        for call in record.traced_calls:
            for path, leaf in call.items():
                paths.setdefault(path, []).append(leaf)
    for path, leaves in paths.items():
        if len(leaves) < 2:
            continue
        kinds = {leaf[0] for leaf in leaves}
        argument = path.split("#")[0]
        if "structure" in kinds:
            if len(set(leaves)) > 1:
                found.append({"reason": "structure", "argument": argument})
            continue
        if "python" in kinds and "tensor" in kinds:
            found.append({"reason": "python-and-tensor", "argument": argument})
            continue
        if kinds == {"python"}:
            values = list(dict.fromkeys(leaf[2] for leaf in leaves))
            if len(values) > 1:
                found.append({"reason": "python-scalar", "argument": argument, "values": values})
        elif kinds == {"object"}:
            ids = {leaf[2] for leaf in leaves}
            if len(ids) > 1:
                found.append({"reason": "python-object", "argument": argument, "type": leaves[0][1],
                              "count": len(ids)})
        elif kinds == {"tensor"}:
            shapes = list(dict.fromkeys(leaf[1] for leaf in leaves))
            dtypes = list(dict.fromkeys(leaf[2] for leaf in leaves))
            if len(dtypes) > 1:
                found.append({"reason": "dtype", "argument": argument, "dtypes": dtypes})
            if len(shapes) > 1:
                found.append({"reason": "shape", "argument": argument,
                              "shapes": [_show_leaf(("tensor", s, ""))[7:].strip() for s in shapes]})
        elif "object" in kinds:
            found.append({"reason": "python-object", "argument": argument,
                          "type": next(leaf[1] for leaf in leaves if leaf[0] == "object"), "count": len(leaves)})
    return found


_PYTHON_REASONS = {"python-scalar", "python-object", "python-and-tensor"}


def _retracing_diagnostic(summary: TracedFunction, group: list[_Instance], severity: str) -> Diagnostic | None:
    reasons = _reasons(group)
    names = {r["reason"] for r in reasons}
    effective = 1 + _retraces(group)
    fn = f"`{summary.name}`"
    line = next((ln for r in group for ln in r.trace_lines[1:] if ln is not None), None) or summary.line
    details: dict[str, Any] = {"traces": summary.traces, "calls": summary.calls, "reasons": reasons}
    if "new-function" in names:
        count = next(r["instances"] for r in reasons if r["reason"] == "new-function")
        return Diagnostic(
            kind="retracing", severity=severity,  # type: ignore[arg-type]
            message=f"A new tf.function was built around {fn} {count} times (for example once per loop "
                    f"iteration), so TensorFlow traced it {summary.traces} times instead of once.",
            fix=f"Create the tf.function for {fn} once, outside the loop, and call that same object every time.",
            function=summary.name, line=summary.line, details={**details, "reason": "new-function"},
        )
    strong = [r for r in reasons if r["reason"] == "python-and-tensor"
              or (r["reason"] == "python-scalar" and len(r["values"]) >= _PYTHON_RETRACE_THRESHOLD)
              or (r["reason"] == "python-object" and r["count"] >= _PYTHON_RETRACE_THRESHOLD)]
    threshold = _PYTHON_RETRACE_THRESHOLD if strong else _OTHER_RETRACE_THRESHOLD
    if effective < threshold:
        return None
    others = [r for r in reasons if r["reason"] not in _PYTHON_REASONS]
    main = (strong or others or reasons or [None])[0]
    times = f"{fn} was traced {summary.traces} times in {summary.calls} calls"
    if main is None:
        message = f"{times}; each trace builds a new graph, which is slow."
        fix = "Call it with tensors of the same shape and dtype, or give it an input_signature."
        reason = "unknown"
    else:
        reason, arg = main["reason"], f"`{main['argument']}`"
        if reason == "python-scalar":
            shown = ", ".join(main["values"][:4]) + (", ..." if len(main["values"]) > 4 else "")
            message = (f"{times} because its argument {arg} received plain Python values ({shown}): "
                       "every new Python value makes TensorFlow build a new graph.")
            fix = (f"Pass {arg} as a tensor (for example tf.constant(value)) or, if it only takes a few "
                   "values such as a training flag, keep it that way on purpose.")
        elif reason == "python-object":
            message = (f"{times} because its argument {arg} received {main['count']} different Python "
                       f"{main['type']} objects, and each new object makes TensorFlow build a new graph.")
            fix = f"Pass tensors instead of Python objects as {arg}, or reuse the same object."
        elif reason == "python-and-tensor":
            message = (f"{times} because its argument {arg} was sometimes a Python value and sometimes a "
                       "tensor, and each Python value makes TensorFlow build a new graph.")
            fix = f"Always pass {arg} as a tensor."
        elif reason == "dtype":
            message = (f"{times} because its argument {arg} arrived with different dtypes "
                       f"({', '.join(main['dtypes'])}), and each new dtype needs a new graph.")
            fix = f"Cast {arg} to one dtype before the call (for example tf.cast(x, tf.float32))."
        elif reason == "shape":
            message = (f"{times} because its argument {arg} arrived with {len(main['shapes'])} different "
                       "shapes, and each new shape needs a new graph.")
            fix = ("Give the function an input_signature with None for the dimension that varies, "
                   "or use tf.function(reduce_retracing=True).")
        else:
            message = f"{times} because the structure of its argument {arg} kept changing."
            fix = f"Pass {arg} with the same structure (same length, same keys) on every call."
    return Diagnostic(kind="retracing", severity=severity,  # type: ignore[arg-type]
                      message=message, fix=fix, function=summary.name, line=line,
                      details={**details, "reason": reason})


# -- reading the learner's function source ---------------------------------------------------

_MUTATORS = {"append", "extend", "insert", "add", "update", "setdefault", "pop", "remove", "clear", "discard"}


def _function_source(code: CodeType, py: Any) -> tuple[ast.AST, int] | None:
    try:
        source = inspect.getsource(py if py is not None else code)
    except Exception:
        try:
            import linecache

            lines = linecache.getlines(code.co_filename)
            source = "".join(inspect.getblock(lines[code.co_firstlineno - 1:]))
        except Exception:
            return None
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return node, code.co_firstlineno - 1
    return None


def _resolve(py: Any, node: ast.AST) -> Any:
    """The object an ``a.b.c`` expression names in the learner function's scope (or None)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    py = getattr(py, "__func__", py)
    scope: dict[str, Any] = {}
    scope.update(getattr(py, "__globals__", {}) or {})
    try:
        scope.update(inspect.getclosurevars(py).nonlocals)
    except Exception:
        pass
    if node.id not in scope:
        return None
    obj = scope[node.id]
    for part in reversed(parts):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _root_module(obj: Any) -> str:
    if isinstance(obj, ModuleType):
        return obj.__name__.split(".")[0]
    return (getattr(obj, "__module__", None) or "").split(".")[0]


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:
        return "?"


def _local_names(func: ast.AST) -> set[str]:
    names: set[str] = set()
    args = getattr(func, "args", None)
    if args is not None:
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None:
                names.add(a.arg)
    declared: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names - declared


def _guarded_lines(func: ast.AST) -> set[int]:
    """Lines inside an ``if`` (variables created once behind ``if self.v is None``)."""
    lines: set[int] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.If):
            for child in ast.walk(node):
                if hasattr(child, "lineno"):
                    lines.add(child.lineno)
    return lines


def _source_diagnostics(group: list[_Instance], summary: TracedFunction) -> list[Diagnostic]:
    """Code in a learner tf.function that behaves differently once traced."""
    record = group[0]
    code = record.code
    if code is None:
        return []
    fn = record.pyfunc
    parsed = _function_source(code, fn)
    if parsed is None:
        return []
    func, offset = parsed
    name = f"`{summary.name}`"
    if summary.calls and summary.traces:
        runs = f" (here it ran {_times(summary.traces)} for {summary.calls} call{'s' if summary.calls != 1 else ''})"
    else:
        runs = ""
    local = _local_names(func)
    guarded = _guarded_lines(func)
    out: dict[tuple[str, str], Diagnostic] = {}

    def add(kind: str, key: str, line: int, message: str, fix: str, **details: Any) -> None:
        out.setdefault((kind, key), Diagnostic(kind=kind, severity="warning", message=message, fix=fix,
                                               function=summary.name, line=offset + line, details=details))

    variable_error = any(any(t in e for t in _VARIABLE_ERRORS) for e in summary.errors)
    globals_declared: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Global):
            globals_declared.update(node.names)
    for node in ast.walk(func):
        if isinstance(node, (ast.Assign, ast.AugAssign)) and globals_declared:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in globals_declared:
                    add("trace-side-effect", f"global:{target.id}", node.lineno,
                        f"{name} changes the global `{target.id}`, but that Python statement runs only while "
                        f"TensorFlow traces the function, not on every call{runs}.",
                        f"Keep `{target.id}` in a tf.Variable created outside the function and update it "
                        "with .assign(...) or .assign_add(...).", effect="global", target=target.id)
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        if isinstance(callee, ast.Name) and callee.id == "print" and "print" not in local:
            add("trace-side-effect", "print", node.lineno,
                f"{name} calls print(), which runs only while TensorFlow traces the function, "
                f"not on every call{runs}.",
                "Use tf.print(...) to print on every call.", effect="print")
            continue
        if (isinstance(callee, ast.Attribute) and callee.attr in _MUTATORS
                and isinstance(callee.value, ast.Name) and callee.value.id not in local):
            target = _resolve(fn, callee.value)
            if isinstance(target, (list, dict, set)):
                add("trace-side-effect", f"mutate:{callee.value.id}", node.lineno,
                    f"{name} changes the Python {type(target).__name__} `{callee.value.id}` with "
                    f".{callee.attr}(), which happens only while TensorFlow traces the function, not on "
                    f"every call{runs}.",
                    "Return the values from the function instead, or keep state in a tf.Variable "
                    "(or collect values in a tf.TensorArray).", effect="mutation", target=callee.value.id)
                continue
        target = _resolve(fn, callee)
        if target is None:
            continue
        root = _root_module(target)
        shown = _dotted(callee)
        if root == "numpy" and not isinstance(target, type):
            add("numpy-in-function", shown, node.lineno,
                f"{name} calls {shown}(), which NumPy computes once while TensorFlow traces the function; "
                "the result is frozen into the graph as a constant.",
                "Use the matching TensorFlow op instead (for example tf.random.normal, tf.reduce_mean, "
                "tf.math.exp), which runs on every call.", call=shown)
        elif root == "random" and not isinstance(target, type):
            add("numpy-in-function", shown, node.lineno,
                f"{name} calls {shown}(), which Python computes once while TensorFlow traces the function; "
                "the same number is then reused on every call.",
                "Use tf.random (for example tf.random.uniform) so a new number is drawn on every call.",
                call=shown)
        elif _is_variable_class(target) and (variable_error or node.lineno not in guarded):
            add("variable-in-function", "variable", node.lineno,
                f"{name} creates a variable with {shown}(...) each time it is traced; a tf.function may "
                "create variables only once, on its first call.",
                "Create the variable once outside the function (or in a layer's build/__init__) and "
                "update it inside with .assign(...).", call=shown, failed=variable_error)
    if variable_error and not any(k == "variable-in-function" for k, _ in out):
        out[("variable-in-function", "variable")] = Diagnostic(
            kind="variable-in-function", severity="warning",
            message=f"{name} tried to create a variable again after its first call, which tf.function does "
                    "not allow.",
            fix="Create the variable once outside the function (or in a layer's build/__init__) and update it "
                "inside with .assign(...).",
            function=summary.name, line=summary.line, details={"failed": True},
        )
    return sorted(out.values(), key=lambda d: (d.line or 0, d.kind))


def _is_variable_class(obj: Any) -> bool:
    if not isinstance(obj, type):
        return False
    try:
        import tensorflow as tf

        if issubclass(obj, tf.Variable):
            return True
    except Exception:
        pass
    module = getattr(obj, "__module__", "") or ""
    return obj.__name__ in {"Variable", "KerasVariable"} and module.split(".")[0] in {"keras", "tf_keras"}


def _times(n: int) -> str:
    return "once" if n == 1 else ("twice" if n == 2 else f"{n} times")


# -- for checks ------------------------------------------------------------------------------

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


# -- explaining a cell error that tracing caused ---------------------------------------------

_ERROR_EXPLANATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("as a Python `bool` is not allowed", "python-control-flow",
     "A Python `if`/`while` tested a tensor while TensorFlow was building a graph; Keras 3 does not "
     "convert Layer.call (or train_step) with AutoGraph, so such code only works eagerly.",
     "Write the condition with tensor ops (tf.where, tf.cond, keras.ops.where or keras.ops.cond), "
     "or move it into a function decorated with @tf.function, which AutoGraph converts."),
    ("iterating over `tf.Tensor` is not allowed", "python-control-flow",
     "A Python `for` loop iterated over a tensor while TensorFlow was building a graph, which only works "
     "eagerly or in code AutoGraph converts.",
     "Use tf.range / tf.while_loop or vectorised tensor ops, or decorate the function with @tf.function."),
    ("object has no attribute 'numpy'", "numpy-in-function",
     "Your code called .numpy() on a tensor while TensorFlow was building a graph; graph tensors have no "
     "value yet.",
     "Keep the computation in TensorFlow ops inside the function, and call .numpy() only on results outside it."),
    ("singleton tf.Variables", "variable-in-function",
     "A tf.function created a new variable after its first call, which tf.function does not allow.",
     "Create the variable once outside the function (or in a layer's build/__init__) and update it inside "
     "with .assign(...)."),
)


def explain_cell_error(error: Any, diagnostics: Any = ()) -> Diagnostic | None:
    """A diagnostic for a cell error that graph building caused, or None.

    ``error`` is the cell's :class:`~tfgrade.report.CellError` (anything with ``type``,
    ``message`` and ``line``); ``diagnostics`` are those already found, so that a finding the
    probes already made (same kind) is not repeated. Meant for the engine, after the cell ran.
    """
    if error is None:
        return None
    known = {getattr(d, "kind", None) for d in diagnostics}
    text = f"{getattr(error, 'type', '')}: {getattr(error, 'message', '')}"
    for needle, kind, message, fix in _ERROR_EXPLANATIONS:
        if needle in text:
            if kind in known:
                return None
            return Diagnostic(kind=kind, severity="warning", message=message, fix=fix,
                              line=getattr(error, "line", None), details={"error": getattr(error, "type", "")})
    return None
