"""Offline-safe ``keras.datasets.fashion_mnist.load_data()`` (and ``tf.keras``) in this process.

:func:`install_offline_fallback` (``%load_ext tfgrade`` calls it with the settings) puts an
:class:`OfflineFallback` on ``sys.meta_path``: it patches the modules that define or
re-export ``fashion_mnist.load_data`` now and whenever they are imported later, so that
learner code gets the data from :class:`~tfgrade.datasets.sources.FashionMnistSources`.
The fallback keeps the record of every load it served (:attr:`OfflineFallback.log`),
which the datasets probe reads. Importing this module imports neither TensorFlow nor Keras.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import sys
import threading
from types import ModuleType
from typing import Any, Callable, Sequence

from .loads import LoadLog
from .sources import FashionMnistSources, notice
from .standin import Arrays

__all__ = ["OfflineFallback", "install_offline_fallback", "uninstall_offline_fallback", "installed_fallback",
           "load_fashion_mnist"]

# Modules that define or re-export fashion_mnist.load_data, Keras 3 and legacy tf.keras.
_TARGET_SUFFIX = ".datasets.fashion_mnist"
_TARGET_ROOTS = ("keras", "tf_keras", "tensorflow")
_lock = threading.RLock()


def _is_target(name: str) -> bool:
    return name.endswith(_TARGET_SUFFIX) and name.split(".", 1)[0] in _TARGET_ROOTS


def _stand_in_notice(load: Any, data: Arrays) -> None:
    (x_train, _), (x_test, _) = data
    notice(f"Fashion-MNIST is not available ({load.reason}); tfgrade's synthetic stand-in serves instead "
           f"({len(x_train):,} + {len(x_test):,} images of 10 classes, NOT the real data).")


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader, fallback: "OfflineFallback") -> None:
        self._loader, self._fallback = loader, fallback

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        with _lock:
            if self._fallback in sys.meta_path:
                self._fallback.patch(module)

    def __getattr__(self, name: str) -> Any:   # get_source, is_package, ... of the real loader
        return getattr(self._loader, name)


class OfflineFallback(importlib.abc.MetaPathFinder):
    """The import hook, the sources it serves from, and the log of the loads it served."""

    def __init__(self, sources: FashionMnistSources) -> None:
        self.sources = sources
        self.log = LoadLog()
        self._patched: list[tuple[ModuleType, Any]] = []

    # -- serving ------------------------------------------------------------------------
    def load(self, download: Callable[[], Arrays] | None, quiet: bool = False,
             sources: FashionMnistSources | None = None) -> Arrays:
        data, load = (sources or self.sources).load(download)
        self.log.record(load)
        if load.stand_in and not quiet:
            _stand_in_notice(load, data)
        return data

    def _wrap(self, original: Callable[[], Arrays]) -> Callable[[], Arrays]:
        @functools.wraps(original)
        def load_data() -> Arrays:
            return self.load(original)

        load_data.__tfgrade_fallback__ = True   # type: ignore[attr-defined]
        return load_data

    # -- patching -----------------------------------------------------------------------
    def patch(self, module: ModuleType) -> None:
        current = getattr(module, "load_data", None)
        if current is None or not callable(current) or any(m is module for m, _ in self._patched):
            return
        if getattr(current, "__tfgrade_fallback__", False):
            # A re-export imported after the defining module was patched: remember it for undo.
            self._patched.append((module, current.__wrapped__))
            return
        wrapper = next((getattr(m, "load_data") for m, original in self._patched if original is current), None)
        module.load_data = wrapper or self._wrap(current)   # type: ignore[attr-defined]
        self._patched.append((module, current))

    def unpatch(self) -> None:
        for module, original in reversed(self._patched):
            if getattr(getattr(module, "load_data", None), "__tfgrade_fallback__", False):
                module.load_data = original   # type: ignore[attr-defined]
        self._patched.clear()

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: Any = None) -> Any:
        if not _is_target(fullname):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _PatchingLoader(spec.loader, self)
                return spec
        return None


def installed_fallback() -> OfflineFallback | None:
    """The fallback on ``sys.meta_path``, if any."""
    return next((f for f in sys.meta_path if isinstance(f, OfflineFallback)), None)


def install_offline_fallback(data_dir: str | None = None, offline: bool = False) -> OfflineFallback:
    """Make ``fashion_mnist.load_data()`` offline-safe in this process, with these settings.

    Idempotent: a second call keeps the installed hook (and its log) and takes the new
    settings. Patches the modules already imported and, through the hook, later ones.
    """
    with _lock:
        sources = FashionMnistSources(data_dir=data_dir, offline=offline)
        fallback = installed_fallback()
        if fallback is None:
            fallback = OfflineFallback(sources)
            sys.meta_path.insert(0, fallback)
        fallback.sources = sources
        # A copy made in one step: building item tuples can run gc, whose finalizers may import.
        for name, module in sorted(sys.modules.copy().items(), key=lambda item: "src" not in item[0]):
            if module is not None and _is_target(name):
                fallback.patch(module)
        return fallback


def uninstall_offline_fallback() -> None:
    """Undo :func:`install_offline_fallback` exactly (idempotent)."""
    with _lock:
        while (fallback := installed_fallback()) is not None:
            sys.meta_path.remove(fallback)
            fallback.unpatch()


def _keras_download() -> Arrays:
    """Keras' own ``load_data`` (network)."""
    module = sys.modules.get("keras.src.datasets.fashion_mnist")
    if module is None:
        import keras.src.datasets.fashion_mnist as module   # noqa: F811
    function = module.load_data
    return getattr(function, "__wrapped__", function)()


def load_fashion_mnist(*, data_dir: str | None = None, offline: bool | None = None, download: bool = True,
                       quiet: bool = False) -> Arrays:
    """Fashion-MNIST as ``keras.datasets.fashion_mnist.load_data()`` returns it, offline-safe.

    ``(x_train, y_train), (x_test, y_test)``, ``uint8``. Sources, in order: Keras cache,
    course folder ``data_dir``, Keras download (``download`` and not ``offline``), stand-in.
    After ``%load_ext tfgrade`` the settings it was given fill ``data_dir`` / ``offline``
    when they are not passed, and the load is recorded for the report (the results card
    then says when the stand-in served). A stand-in load prints a one-line notice unless ``quiet``.
    """
    fallback = installed_fallback()
    base = fallback.sources if fallback is not None else FashionMnistSources()
    sources = FashionMnistSources(data_dir=base.data_dir if data_dir is None else data_dir,
                                  offline=base.offline if offline is None else offline)
    fetch = _keras_download if download else None
    if fallback is not None:
        return fallback.load(fetch, quiet=quiet, sources=sources)
    data, load = sources.load(fetch)
    if load.stand_in and not quiet:
        _stand_in_notice(load, data)
    return data
