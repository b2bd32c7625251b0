"""Refuse to publish a score through a kernel that earlier cells have tampered with.

The learner's cells run before the grade cells in the same kernel. tfgrade and pytest are
loaded afresh by the grade cell (see :mod:`.bootstrap`); what cannot be reloaded is checked
here instead:

- the way the score leaves the cell (``sys.displayhook``, the shell's display hook, display
  publisher and formatters, error display, the kernel's session): any method replaced by
  code from a notebook cell, or shadowed on an instance, means a score could be swallowed
  or rewritten, and nbgrader gives a silent grade cell full points;
- Python's built-ins and the module-level names of NumPy, TensorFlow and Keras, and the
  methods of their classes, which the checks compute with: a function or class defined in a
  notebook cell there (or one of Python's built-ins, such as ``print`` in place of
  ``numpy.testing.assert_allclose`` or ``max`` in place of ``round``) could make a wrong answer pass;
- notebook-cell code that could run in the middle of grading: a thread still running it, a
  trace or profile function, a signal handler.

Any finding is an error (the cell scores 0, and the message says what was found).
Limits: code that imitates library code (compiled under a library's file name, or a C
function slipped in), a thread that did its work and ended before the grade cell, and files
written to disk are not detected in the kernel; for hostile classes use ``tfgrade grade``,
which grades out of band.
"""

from __future__ import annotations

import functools
import signal
import sys
import threading
import types
from types import ModuleType
from typing import Any, Iterable

from ..execute import is_learner_filename

__all__ = ["Tampered", "current_shell", "learner_made", "output_path_findings", "library_findings",
           "concurrency_findings", "check_score_display"]

_LIBRARY_ROOTS = ("builtins", "math", "random", "numpy", "tensorflow", "keras")


_JUPYTER_PACKAGES = ("IPython", "ipykernel", "traitlets", "jupyter_client", "comm", "zmq", "tornado")


class Tampered(RuntimeError):
    """The notebook's code (an earlier cell, or code the checks ran) changed what grading relies on."""


def learner_made(value: Any) -> bool:
    """True for functions, methods and classes that a notebook cell defined, and their objects.

    Only looks at types and ``__dict__`` entries: lazy modules' ``__getattr__`` is never run.
    """
    if isinstance(value, (types.MethodType, classmethod, staticmethod)):
        value = value.__func__
    if isinstance(value, functools.partial):
        return learner_made(value.func)
    if isinstance(value, types.FunctionType):
        return value.__module__ == "__main__" or is_learner_filename(value.__code__.co_filename)
    if isinstance(value, type):
        return value.__dict__.get("__module__") == "__main__"
    return type(value).__dict__.get("__module__") == "__main__" and callable(value)


def _from_jupyter(value: Any) -> bool:
    """Callables that Jupyter's own packages put on their objects (ipykernel wires some up per instance)."""
    func = getattr(value, "__func__", value)
    module = getattr(func, "__module__", None) or ""
    return module.partition(".")[0] in _JUPYTER_PACKAGES


def _object_findings(label: str, obj: Any) -> list[str]:
    found = []
    own = getattr(obj, "__dict__", {})
    cls = type(obj)
    for name, value in list(own.items()):
        shadows = callable(value) and callable(getattr(cls, name, None))
        if learner_made(value) or (shadows and not _from_jupyter(value)):
            found.append(f"{label}.{name} was replaced")
    for klass in cls.__mro__:
        if learner_made(klass):
            found.append(f"{label} is an object of a class defined in a notebook cell ({klass.__name__})")
            break
        for name, value in list(vars(klass).items()):
            if learner_made(value):
                found.append(f"{klass.__name__}.{name} was replaced")
    return found


def current_shell() -> Any:
    module = sys.modules.get("IPython.core.interactiveshell")
    cls = getattr(module, "InteractiveShell", None)
    return cls.instance() if cls is not None and cls.initialized() else None


def output_path_findings(shell: Any = None) -> list[str]:
    """What was changed on the way a cell's result and errors reach the notebook."""
    shell = shell if shell is not None else current_shell()
    if shell is None:
        return []
    found: list[str] = []
    if sys.displayhook is not shell.displayhook:
        found.append("sys.displayhook is not the notebook's display hook")
    trap = getattr(shell, "display_trap", None)
    if trap is not None and getattr(trap, "hook", shell.displayhook) is not shell.displayhook:
        found.append("the notebook's display trap was given another hook")
    roots = {
        "shell": shell,
        "displayhook": shell.displayhook,
        "display_pub": shell.display_pub,
        "display_formatter": shell.display_formatter,
        "session": getattr(shell.displayhook, "session", None),
        "sys.stdout": sys.stdout,
        "sys.stderr": sys.stderr,
    }
    roots.update({f"formatter[{mime}]": f for mime, f in shell.display_formatter.formatters.items()
                  if mime in ("text/plain", "text/html")})
    for label, obj in roots.items():
        if obj is not None:
            found.extend(_object_findings(label, obj))
    plain = shell.display_formatter.formatters.get("text/plain")
    for registry in (getattr(plain, "type_printers", {}), getattr(plain, "deferred_printers", {})):
        for key, printer in list(registry.items()):
            if learner_made(printer):
                found.append(f"a notebook cell registered its own text display for {getattr(key, '__name__', key)}")
    return found


def _library_modules(depth: int = 2) -> Iterable[tuple[str, ModuleType]]:
    """The libraries' public namespaces: each root and the modules it exposes, ``depth`` levels down."""
    seen: set[int] = set()
    level = [(name, sys.modules[name]) for name in _LIBRARY_ROOTS if isinstance(sys.modules.get(name), ModuleType)]
    for _ in range(depth + 1):
        following = []
        for name, module in level:
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            following.extend((f"{name}.{attr}", value) for attr, value in list(vars(module).items())
                             if isinstance(value, ModuleType) and not attr.startswith("_"))
        level = following


def _python_builtin(value: Any) -> bool:
    """Python's own built-in functions and types (``print``, ``zip``, ``slice``...)."""
    return isinstance(value, (types.BuiltinFunctionType, type)) and getattr(value, "__module__", None) == "builtins"


def _renamed_builtin(attr: str, value: Any) -> bool:
    """``builtins.round = max``: a built-in function or type bound under another one's name. In
    ``builtins`` and ``math`` each is bound under its own (exception aliases such as ``IOError``
    and dunder names aside)."""
    if attr.startswith("__") or not isinstance(value, (types.BuiltinFunctionType, type)):
        return False
    if isinstance(value, type) and issubclass(value, BaseException):
        return False
    return value.__name__ != attr


def _members_made_in_cells(cls: type) -> Iterable[str]:
    """Names in a class's own namespace bound to a notebook cell's code (properties included)."""
    for name, member in list(vars(cls).items()):
        if isinstance(member, property):
            if any(part is not None and learner_made(part) for part in (member.fget, member.fset, member.fdel)):
                yield name
        elif learner_made(member):
            yield name


def library_findings() -> list[str]:
    """Names in built-ins, NumPy, TensorFlow or Keras modules, or in their classes (and those
    classes' bases), rebound to a notebook cell's code: ``keras.layers.LayerNormalization.call``
    replaced would make any layer match the Keras reference it is compared with."""
    found = []
    classes_seen: set[int] = set()
    for name, module in _library_modules():
        for attr, value in list(vars(module).items()):
            if learner_made(value):
                found.append(f"{name}.{attr} was replaced by code from a notebook cell")
            elif _python_builtin(value) and name != "builtins":
                # `numpy.testing.assert_allclose = print` passes every comparison; the public
                # namespaces of NumPy, TensorFlow and Keras hold no built-in of Python's own.
                found.append(f"{name}.{attr} was replaced by Python's built-in {value.__name__}")
            elif name in ("builtins", "math") and _renamed_builtin(attr, value):
                found.append(f"{name}.{attr} was replaced by {value.__name__}")
            elif isinstance(value, type) and id(value) not in classes_seen:
                for cls in value.__mro__:
                    if id(cls) in classes_seen or cls.__module__.partition(".")[0] not in _LIBRARY_ROOTS:
                        continue
                    classes_seen.add(id(cls))
                    label = f"{name}.{attr}" if cls is value else f"{cls.__module__}.{cls.__qualname__}"
                    found.extend(f"{label}.{member} was replaced by code from a notebook cell"
                                 for member in _members_made_in_cells(cls))
    return found


def _runs_cell_code(thread: threading.Thread, frames: dict[int, types.FrameType]) -> bool:
    """The thread was started on a notebook cell's code, or is running some now."""
    if any(learner_made(getattr(thread, attr, None)) for attr in ("_target", "function")):
        return True
    if learner_made(type(thread)) or learner_made(type(thread).__dict__.get("run")):
        return True
    frame = frames.get(thread.ident) if thread.ident is not None else None
    while frame is not None:
        if is_learner_filename(frame.f_code.co_filename):
            return True
        frame = frame.f_back
    return False


def concurrency_findings() -> list[str]:
    """Notebook-cell code that can run in the middle of grading, between any two lines of it:
    a thread still running, a trace or profile function, a signal handler."""
    found = []
    frames = sys._current_frames()
    for thread in threading.enumerate():
        # Dummy threads are threads Python did not start (TensorFlow's own, calling a py_function): left out.
        if thread is threading.current_thread() or isinstance(thread, threading._DummyThread):
            continue
        if _runs_cell_code(thread, frames):
            found.append(f"a thread started by a notebook cell is still running ({thread.name}); "
                         "stop it before the grade cells run")
    for label, hook in (("sys.settrace", sys.gettrace()), ("sys.setprofile", sys.getprofile()),
                        ("threading.settrace", getattr(threading, "_trace_hook", None)),
                        ("threading.setprofile", getattr(threading, "_profile_hook", None))):
        if hook is not None and learner_made(hook):
            found.append(f"a notebook cell set a function with {label}")
    for number in sorted(signal.valid_signals()):
        try:
            handler = signal.getsignal(number)
        except (OSError, ValueError):
            continue
        if learner_made(handler):
            found.append(f"a notebook cell installed a handler for {signal.Signals(number).name}")
    return found


def check_score_display(score: float, shell: Any = None) -> None:
    """The score's text as nbgrader will read it must be the score itself.

    ``%precision`` is put back to Python's own float display first: nbgrader reads the text,
    and a rounded score could be more than the points earned.
    """
    shell = shell if shell is not None else current_shell()
    if shell is None:
        return
    plain = shell.display_formatter.formatters.get("text/plain")
    if getattr(plain, "float_precision", "") != "":
        plain.float_precision = ""
    text = shell.display_formatter.format(score)[0].get("text/plain", "")
    try:
        shown = float(text)
    except ValueError:
        shown = None
    if shown is None or abs(shown - score) > 1e-9:
        raise Tampered(f"the score {score!r} would be displayed as {text!r}")
