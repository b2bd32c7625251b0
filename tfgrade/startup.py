"""TensorFlow's start-up noise kept out of the learner's cells; its real messages kept.

TensorFlow writes its C++ start-up lines (the oneDNN notice, "Could not find cuda drivers",
the CPU-instructions notice and, on a machine without a GPU, "failed call to cuInit" at
the first device listing) straight to file descriptor 2, before its logging reads
``TF_CPP_MIN_LOG_LEVEL``: no log level holds them back, and in an nbgrader grade cell any
stderr costs all the points. So:

- :func:`quietly` runs a call with fd 2 (and ``sys.stderr``) captured; the known start-up
  lines are dropped, anything else is kept for the next Report (:func:`take_messages`).
  tfgrade's own device queries always run this way.
- :func:`quiet_tensorflow_start_up` (``%load_ext tfgrade``, before ``import tensorflow``) sets
  ``TF_CPP_MIN_LOG_LEVEL=1`` when unset (info lines off, warnings and errors kept) and installs
  an import hook that runs the first ``import tensorflow``, and the device listing that
  follows it, :func:`quietly`.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import re
import sys
import threading
from typing import Any, Callable, TypeVar

from .patching import Patches

__all__ = [
    "quietly", "take_messages", "quiet_tensorflow_start_up", "remove_tensorflow_import_hook", "is_start_up_noise",
]

T = TypeVar("T")

_NOISE = re.compile("|".join((
    r"All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    r"oneDNN custom operations are on", r"Could not find cuda drivers", r"cudart_stub\.cc",
    r"failed call to cuInit", r"This TensorFlow binary is optimized to use available CPU instructions",
    r"To enable the following instructions: ", r"rebuild TensorFlow with the appropriate compiler flags",
    r"Unable to register cu(DNN|FFT|BLAS) factory", r"TF-TRT Warning: Could not find TensorRT",
    r"computation placer already registered", r"cuda_diagnostics\.cc", r"kernel driver does not appear",
    r"retrieving CUDA diagnostic information", r"(libcuda|kernel) reported version is",
    r"hostname: \S+$", r"Created device /job:localhost", r"successful NUMA node read",
)))
_lock = threading.Lock()
_fd_lock = threading.RLock()  # fd 2 is one per process: one holder at a time (nested calls are fine)
_messages: list[str] = []     # real lines TensorFlow wrote while tfgrade held fd 2, not yet reported


def is_start_up_noise(line: str) -> bool:
    return not line.strip() or bool(_NOISE.search(line))


def quietly(call: Callable[[], T]) -> T:
    """``call()`` with everything it writes to fd 2 / ``sys.stderr`` kept out of the cell."""
    from .probes._capture import FdCapture, Record, Tee

    record = Record()
    with _fd_lock, Patches() as patches:
        capture = FdCapture(2, record, echo=False)
        if capture.start():
            patches.callback(capture.stop)
        tee = Tee(sys.stderr, record, echo=False)
        patches.setattr(sys, "stderr", tee)
        # A logging handler made meanwhile (absl's, TensorFlow's) keeps this tee: it passes all on after.
        patches.callback(tee.stop_recording)
        try:
            return call()
        finally:
            sys.stderr.flush()
            patches.restore()
            kept = [line for line in record.getvalue().splitlines() if not is_start_up_noise(line)]
            if kept:
                with _lock:
                    _messages.extend(kept)


def take_messages() -> list[str]:
    """The lines :func:`quietly` kept since the last call (each line is reported once)."""
    with _lock:
        taken = list(_messages)
        _messages.clear()
    return taken


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        def load_and_list_devices() -> None:
            self._loader.exec_module(module)
            from .environment import device_facts

            try:
                device_facts()   # the first device listing, where cuInit complains
            except Exception:    # never the learner's import's problem
                pass

        quietly(load_and_list_devices)

    def __getattr__(self, name: str) -> Any:   # get_resource_reader, is_package, ...
        return getattr(self._loader, name)


class _TensorFlowImportHook(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self._busy = threading.local()

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "tensorflow" or getattr(self._busy, "on", False):
            return None
        self._busy.on = True
        try:
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    break
            else:
                return None
        finally:
            self._busy.on = False
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _QuietLoader(spec.loader)
        return spec


_hook = _TensorFlowImportHook()


def quiet_tensorflow_start_up() -> None:
    """Before TensorFlow is imported: keep its start-up lines out of the cells (idempotent)."""
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    with _lock:
        if _hook not in sys.meta_path:
            sys.meta_path.insert(0, _hook)


def remove_tensorflow_import_hook() -> None:
    with _lock:
        while _hook in sys.meta_path:
            sys.meta_path.remove(_hook)
