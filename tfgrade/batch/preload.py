"""Imported once by the fork server: everything a grading process needs, loaded before it forks.

A process that has imported TensorFlow and Keras (and run no op) can be forked, and its children
run ops, ``fit`` and ``tf.function`` normally; so each submission costs a fork instead of a kernel
start and a TensorFlow import. Importing every tfgrade module here also means a grading process
never loads tfgrade code from disk after a submission could have touched it.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import importlib  # noqa: E402
import pkgutil  # noqa: E402

import pytest  # noqa: E402,F401


def _import_tensorflow_quietly() -> None:
    """TensorFlow's C++ start-up lines (no CUDA driver, CPU features) would land on the grader's terminal."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_import_tensorflow_quietly()
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from traitlets.config import Config  # noqa: E402

import tfgrade  # noqa: E402

from . import worker  # noqa: E402

# Command-line and course-pipeline modules: never used while grading a notebook.
_SKIPPED = ("tfgrade.cli", "tfgrade.gradescope", "tfgrade.workbook", "tfgrade.batch.", "tfgrade.nbgrader")


def _import_all_of(package: object) -> None:
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):   # type: ignore[attr-defined]
        if (info.name + ".").startswith(_SKIPPED) or info.name.startswith(_SKIPPED):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:   # an optional part (e.g. the widget's front end) may be missing here
            continue
        if info.ispkg:
            _import_all_of(module)


_import_all_of(tfgrade)
# `%load_ext tfgrade` on a throwaway shell: the process-wide set-up it does (offline datasets)
# becomes part of the recorded grading stack, so restoring the stack never undoes it.
_setup_shell = InteractiveShell(config=Config({"HistoryManager": {"enabled": False}}))
tfgrade.load_ipython_extension(_setup_shell)
worker.baseline()
