"""The code every nbgrader grade cell starts with: load tfgrade afresh, then grade.

The learner's cells run before the grade cells, in the same kernel, and may have rebound
any name, monkeypatched ``tfgrade`` or ``pytest``, put a fake ``tfgrade`` package next to
the notebook, or replaced ``builtins.__import__``. So the grade cell reaches Python's import
machinery from importlib's own frozen bootstrap module (found from a literal, not through any
name a cell can rebind), drops every ``tfgrade``/``pytest``/``pluggy`` module from
``sys.modules``, and imports them again from the installed files: the standard finders first,
import hooks defined in notebook cells left out, installed locations first on the path and the
notebook's folder left out. That import state holds while the cell grades (lazy imports
included) and is put back afterwards. The grading itself is
:func:`tfgrade.nbgrader.gradecell.grade_here`.

:func:`_tfgrade_grade` is written into each cell as source text (``inspect.getsource``), so
it uses no module globals and no built-in names, only literals and attribute access.
"""

from __future__ import annotations

import inspect

__all__ = ["FRESH_PACKAGES", "cell_source"]

# Top-level packages a grade cell always imports afresh (the default of `fresh` below, which
# cannot read module globals: it runs as cell text).
FRESH_PACKAGES = ("tfgrade", "pytest", "_pytest", "pluggy", "iniconfig")


def _tfgrade_grade(exercise, part, digest, points, fresh=("tfgrade", "pytest", "_pytest", "pluggy", "iniconfig")):
    boot = [c for c in ().__class__.__mro__[-1].__subclasses__()
            if c.__name__ == "ModuleSpec" and c.__module__ == "_frozen_importlib"
            and c.__init__.__code__.co_filename == "<frozen importlib._bootstrap>"][0].__init__.__globals__
    sys, ext, builtins = boot["sys"], boot["_bootstrap_external"], boot["__builtins__"]
    for name in [n for n in sys.modules.copy() if n.partition(".")[0] in fresh]:
        del sys.modules[name]
    here = ext._os.getcwd()
    try:    # the environment the kernel started with: a cell's os.environ[...] = ... does not reach it
        fd = ext._os.open("/proc/self/environ", 0)
        started = ext._os.read(fd, 1 << 22).split(b"\0")
        ext._os.close(fd)
    except:  # noqa: E722 - no built-in names in this function; not Linux: the environment as it is now
        started = [k + b"=" + v for k, v in ext._os.environ.items()]
    pythonpath = ([e[11:] for e in started if e.startswith(b"PYTHONPATH=")] + [b""])[0].decode().split(":")
    usable = [p for p in sys.path if p.__class__ is "".__class__ and p not in ("", ".")]
    installed = [p for p in usable if p.startswith((sys.prefix, sys.base_prefix, sys.exec_prefix)) or p in pythonpath]
    others = [p for p in usable if p not in installed and p != here and not p.startswith(here + "/")]
    standard = [boot["BuiltinImporter"], boot["FrozenImporter"], ext.PathFinder]
    saved = (sys.path, sys.meta_path, sys.path_hooks, sys.path_importer_cache, builtins["__import__"])
    sys.path = installed + others
    sys.meta_path = standard + [f for f in saved[1] if f.__module__ != "__main__" and f not in standard]
    sys.path_hooks = [ext.FileFinder.path_hook(*ext._get_supported_file_loaders())] + [
        h for h in saved[2] if h.__module__ != "__main__"]
    sys.path_importer_cache, builtins["__import__"] = {}, boot["__import__"]
    try:
        return boot["_gcd_import"]("tfgrade.nbgrader.gradecell").grade_here(exercise, part, digest, points)
    finally:
        sys.path, sys.meta_path, sys.path_hooks, sys.path_importer_cache, builtins["__import__"] = saved


def cell_source() -> str:
    """The source of :func:`_tfgrade_grade`, as written into grade cells."""
    return inspect.getsource(_tfgrade_grade)
