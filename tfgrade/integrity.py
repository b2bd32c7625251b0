"""Keep a submission's code from changing how it is graded.

Checks run in the same process as the submission (they need its objects), so a notebook could
replace tfgrade's engine, its pytest plugin, pytest itself or ``numpy.allclose`` before its
``%%tfcheck`` cell, or from its own code while the checks call it (a layer's ``call``).
:class:`Baseline` records the module attributes of the grading stack (and, for tfgrade / pytest /
pluggy, their classes' attributes and functions' code); :meth:`Baseline.restore` puts back
whatever differs and names it. Run before grading, it undoes tampering; run after grading, a
non-empty answer means code run by the checks changed the grading stack while it graded, and
that grade is not trusted. ``tfgrade grade`` records it before any submission code runs; an
nbgrader grade cell records the freshly loaded tfgrade/pytest (``roots=DEEP``) before its checks.

Residual risk (documented in the README): code that digs the grader's objects out of memory
(``gc``, frames) can still interfere; in-process grading cannot rule that out.
"""

from __future__ import annotations

import os
import sys
import types
from typing import Any

__all__ = ["Baseline", "DEEP", "GRADING_STACK"]

# Restored deeply (module attributes, class attributes, function code).
_DEEP = ("tfgrade", "pytest", "_pytest", "pluggy", "iniconfig")
# Restored shallowly (module-level functions and classes): what checks and the channel call.
_SHALLOW = ("numpy", "keras", "tensorflow", "builtins", "json", "os", "io", "math", "multiprocessing",
            "pickle", "struct", "dataclasses", "copy", "operator", "functools", "inspect", "traceback", "re")
GRADING_STACK = _DEEP + _SHALLOW
DEEP = _DEEP
_CODE_ATTRS = ("__code__", "__defaults__", "__kwdefaults__")
_SCALARS = (bool, int, float, type(None))


def _root(name: str) -> str:
    return name.partition(".")[0]


def _is_code_like(value: Any) -> bool:
    return isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type, types.MethodType,
                              types.MethodDescriptorType, types.WrapperDescriptorType, classmethod,
                              staticmethod, property))


def _restorable(value: Any, deep: bool) -> bool:
    if deep:
        return not isinstance(value, _SCALARS)
    # numpy 2's functions are dispatcher objects, not functions: any callable but a module counts.
    return _is_code_like(value) or (callable(value) and not isinstance(value, types.ModuleType))


class Baseline:
    """The grading stack as it is now: the modules under ``roots`` (top-level package names)."""

    def __init__(self, roots: tuple[str, ...] = GRADING_STACK) -> None:
        self.modules: dict[str, types.ModuleType] = {}
        self.attributes: dict[str, dict[str, Any]] = {}
        self.classes: dict[type, dict[str, Any]] = {}
        self.functions: dict[types.FunctionType, tuple[Any, ...]] = {}
        # Where the deep packages' files are: a module of theirs first imported later must come from there.
        self.homes: dict[str, str] = {}
        for name, module in sys.modules.copy().items():   # one C-level copy: a finalizer run by gc may import
            if not isinstance(module, types.ModuleType) or _root(name) not in roots:
                continue
            deep = _root(name) in _DEEP
            if deep:
                self.modules[name] = module
                if name == _root(name) and isinstance(getattr(module, "__file__", None), str):
                    self.homes[name] = os.path.dirname(module.__file__) + os.sep
            try:
                namespace = dict(vars(module))
            except TypeError:
                continue
            # Scalars (flags, counters) change legitimately while tfgrade runs: left alone.
            self.attributes[name] = {k: v for k, v in namespace.items() if _restorable(v, deep)}
            if deep:
                for value in namespace.values():
                    self._remember(value, name)

    def _remember(self, value: Any, module: str) -> None:
        if isinstance(value, types.FunctionType) and value not in self.functions:
            self.functions[value] = tuple(getattr(value, a) for a in _CODE_ATTRS)
        elif isinstance(value, type) and getattr(value, "__module__", "") == module and value not in self.classes:
            members = dict(vars(value))
            self.classes[value] = members
            for member in members.values():
                inner = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
                if isinstance(inner, types.FunctionType) and inner not in self.functions:
                    self.functions[inner] = tuple(getattr(inner, a) for a in _CODE_ATTRS)

    def restore(self) -> list[str]:
        """Put the grading stack back as recorded; the names that had changed."""
        changed: list[str] = []
        # Functions' code first: _put_back below is one of them, and may be what was changed.
        for function, recorded in self.functions.items():
            for attr, value in zip(_CODE_ATTRS, recorded):
                if getattr(function, attr) is not value:
                    setattr(function, attr, value)
                    changed.append(f"{function.__module__}.{function.__qualname__}.{attr}")
        own, own_names = self.modules.get(__name__), self.attributes.get(__name__, {})
        for key, value in own_names.items():   # this module's names, put back without the helper they include
            if own is not None and vars(own).get(key, _MISSING) is not value:
                setattr(own, key, value)
                changed.append(f"{__name__}.{key}")
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
                changed.append(f"sys.modules[{name!r}]")
        for name, module in sys.modules.copy().items():
            if name not in self.modules and _root(name) in self.homes and not _loaded_from(module, self.homes[_root(name)]):
                del sys.modules[name]      # planted: the grading code would have imported it
                changed.append(f"sys.modules[{name!r}] (not loaded from {self.homes[_root(name)]})")
        for name, recorded in self.attributes.items():
            module = sys.modules.get(name)
            if module is not None:
                changed.extend(_put_back(module, recorded, name))
        for cls, recorded in self.classes.items():
            changed.extend(_put_back(cls, recorded, f"{cls.__module__}.{cls.__qualname__}"))
        return list(dict.fromkeys(changed))


_MISSING = object()


def _loaded_from(module: Any, home: str) -> bool:
    """A module imported from a file in ``home`` by Python's own import system (a planted module
    object, made in a cell, has no such origin)."""
    file = getattr(module, "__file__", None)
    origin = getattr(getattr(module, "__spec__", None), "origin", None)
    return type(module) is types.ModuleType and isinstance(file, str) and origin == file and file.startswith(home)


def _put_back(owner: Any, recorded: dict[str, Any], label: str) -> list[str]:
    """Set back every recorded attribute of ``owner`` that differs now; the names of those changed."""
    changed = []
    current = vars(owner)
    for key, value in recorded.items():
        if current.get(key, _MISSING) is not value:
            try:
                setattr(owner, key, value)
            except (AttributeError, TypeError):
                continue
            changed.append(f"{label}.{key}")
    return changed
