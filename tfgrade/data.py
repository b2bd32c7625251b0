"""Datasets with an offline fallback: Fashion-MNIST as ``keras.datasets.fashion_mnist`` gives it.

:func:`load_fashion_mnist` returns ``(x_train, y_train), (x_test, y_test)`` (``uint8``,
images ``(n, 28, 28)``, labels ``(n,)``), taken from the first source that has it:

1. ``keras-cache``: the four IDX files Keras keeps in ``$KERAS_HOME/datasets/fashion-mnist/``
   (``KERAS_HOME`` defaults to ``~/.keras``);
2. ``course``: the same files in the folder a course names (``TFGRADE_DATA`` or
   ``data_dir`` in ``tfgrade.toml``), directly or in a ``fashion-mnist/`` sub-folder;
3. ``download``: Keras' own download (skipped when ``TFGRADE_OFFLINE=1``);
4. ``stand-in``: a small, deterministic, *synthetic* set of the same dtypes and per-sample
   shapes (:func:`stand_in_fashion_mnist`). It is learnable, so accuracy thresholds mean
   something, but it is not Fashion-MNIST: reports say so.

:func:`install_offline_fallback` (called by ``%load_ext tfgrade``) makes
``keras.datasets.fashion_mnist.load_data()`` and ``tf.keras.datasets.fashion_mnist.load_data()``
follow the same order in every cell, also when Keras is imported later. Every load is
recorded (:func:`loads_since`) so the engine can put the source in ``Report.data``.

Importing this module is cheap: it imports neither TensorFlow nor Keras.
"""

from __future__ import annotations

import functools
import gzip
import importlib.abc
import importlib.machinery
import os
import struct
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Sequence

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # numpy is imported when data are loaded, not by `%load_ext tfgrade`
    import numpy as np

__all__ = [
    "FASHION_MNIST_FILES",
    "DataLoad",
    "load_fashion_mnist",
    "stand_in_fashion_mnist",
    "read_idx",
    "write_idx",
    "install_offline_fallback",
    "uninstall_offline_fallback",
    "fallback_installed",
    "loads_since",
    "report_data",
]

# (split, part) -> file name, as Keras names them.
FASHION_MNIST_FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}
STAND_IN_SIZES = (7000, 2000)     # train, test images of the stand-in
_STAND_IN_SEED = 20_12_13
_IDX_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

Arrays = "tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]"


# -- IDX files ----------------------------------------------------------------------------
def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (gzip-compressed when its name ends in ``.gz``) into a read-only array."""
    import numpy as np

    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4:
        raise ValueError(f"{path}: too short to be an IDX file")
    zero, code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or code not in _IDX_DTYPES:
        raise ValueError(f"{path}: not an IDX file (magic bytes {raw[:4].hex()})")
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    dtype = np.dtype(_IDX_DTYPES[code])
    count = int(np.prod(dims)) if dims else 1
    offset = 4 + 4 * ndim
    if len(raw) - offset < count * dtype.itemsize:
        raise ValueError(f"{path}: holds fewer values than its header announces {tuple(dims)}")
    array = np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(dims)
    return array if dtype.byteorder in ("|", "=") else array.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> None:
    """Write a ``uint8`` array as a gzip-compressed IDX file (what Keras reads)."""
    import numpy as np

    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(header + array.tobytes())


_parsed: dict[tuple[str, ...], Arrays] = {}
_parsed_lock = threading.Lock()


def _files_in(folder: Path) -> dict[tuple[str, str], Path] | None:
    files = {key: folder / name for key, name in FASHION_MNIST_FILES.items()}
    return files if all(p.is_file() for p in files.values()) else None


def _read_folder(files: dict[tuple[str, str], Path]) -> Arrays:
    key = tuple(f"{p}:{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in files.values())
    with _parsed_lock:
        if key not in _parsed:
            y_train = read_idx(files["train", "labels"])
            x_train = read_idx(files["train", "images"]).reshape(len(y_train), 28, 28)
            y_test = read_idx(files["test", "labels"])
            x_test = read_idx(files["test", "images"]).reshape(len(y_test), 28, 28)
            _parsed[key] = ((x_train, y_train), (x_test, y_test))
        return _parsed[key]


# -- where the data may be ----------------------------------------------------------------
def _keras_homes() -> list[Path]:
    """Keras' cache roots: ``$KERAS_HOME`` now, and the one Keras fixed when it was imported."""
    homes = [Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser()]
    config = sys.modules.get("keras.src.backend.config")
    if config is not None and "KERAS_HOME" not in os.environ:
        try:
            homes.append(Path(config.keras_home()))
        except Exception:   # an unusual Keras: the environment's answer is enough
            pass
    # Keras downloads to /tmp/.keras when its home is not writable.
    homes += [Path("/tmp/.keras") for home in list(homes) if home.exists() and not os.access(home, os.W_OK)]
    unique: list[Path] = []
    for home in homes:
        if home not in unique:
            unique.append(home)
    return unique


def _keras_cache_files() -> dict[tuple[str, str], Path] | None:
    for home in _keras_homes():
        files = _files_in(home / "datasets" / "fashion-mnist")
        if files:
            return files
    return None


def _course_dir() -> Path | None:
    folder = os.environ.get("TFGRADE_DATA")
    if not folder:
        try:
            from .config import load_settings

            folder = load_settings().data_dir
        except Exception:   # a broken tfgrade.toml must not break data loading
            folder = None
    return Path(folder).expanduser() if folder else None


def _course_files() -> dict[tuple[str, str], Path] | None:
    folder = _course_dir()
    if folder is None:
        return None
    return _files_in(folder / "fashion-mnist") or _files_in(folder)


def _offline() -> bool:
    return os.environ.get("TFGRADE_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


# -- the stand-in -------------------------------------------------------------------------
def _prototypes(rng: np.random.Generator) -> np.ndarray:
    """Ten smooth 28x28 silhouettes made of a few soft ellipses each (values 0..1)."""
    import numpy as np

    yy, xx = np.mgrid[0:28, 0:28].astype(np.float32)
    protos = np.zeros((10, 28, 28), np.float32)
    for c in range(10):
        for _ in range(rng.integers(3, 6)):
            cy, cx = rng.uniform(6, 22, size=2)
            ry, rx = rng.uniform(2, 9, size=2)
            blob = np.exp(-(((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2) ** 1.5)
            protos[c] = np.maximum(protos[c], rng.uniform(0.5, 1.0) * blob)
    return protos


@functools.lru_cache(maxsize=2)
def stand_in_fashion_mnist(n_train: int = STAND_IN_SIZES[0], n_test: int = STAND_IN_SIZES[1]) -> Arrays:
    """A deterministic, learnable stand-in for Fashion-MNIST (synthetic; not the real data).

    Each class has a prototype silhouette; a sample is its class prototype, shifted by up
    to 2 pixels, scaled in contrast, blended with another class's prototype and noised.
    A small dense network reaches roughly 80-90 % test accuracy in a few epochs on a few
    thousand samples; a network that does not learn stays near 10 %.
    """
    import numpy as np

    rng = np.random.default_rng(_STAND_IN_SEED)
    protos = _prototypes(rng)

    def make(n: int) -> tuple[np.ndarray, np.ndarray]:
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        other = (labels + rng.integers(1, 10, size=n)) % 10
        mix = rng.uniform(0.0, 0.6, size=(n, 1, 1)).astype(np.float32)
        images = (1 - mix) * protos[labels] + mix * protos[other]
        shifts = rng.integers(-2, 3, size=(n, 2))
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                rows = np.flatnonzero((shifts[:, 0] == dy) & (shifts[:, 1] == dx))
                images[rows] = np.roll(images[rows], (dy, dx), axis=(1, 2))
        images *= rng.uniform(0.6, 1.0, size=(n, 1, 1)).astype(np.float32)
        images += rng.normal(0.0, 0.22, size=images.shape).astype(np.float32)
        x = np.clip(images * 255.0, 0, 255).astype(np.uint8)
        y = labels.astype(np.uint8)
        x.setflags(write=False)
        y.setflags(write=False)
        return x, y

    return make(n_train), make(n_test)


# -- loading, with a record of each load --------------------------------------------------
@dataclass(frozen=True)
class DataLoad:
    """One load of a dataset: where it came from and how big it was."""

    dataset: str
    source: str       # "keras-cache" | "course" | "download" | "stand-in"
    train: int
    test: int
    at: float         # time.perf_counter() when it finished
    reason: str = ""  # why the stand-in was used

    @property
    def stand_in(self) -> bool:
        return self.source == "stand-in"


_loads: list[DataLoad] = []
_MAX_LOADS = 100


def _record(dataset: str, source: str, data: Arrays, reason: str = "") -> None:
    (x_train, _), (x_test, _) = data
    _loads.append(DataLoad(dataset, source, len(x_train), len(x_test), time.perf_counter(), reason))
    del _loads[:-_MAX_LOADS]


def loads_since(since: float) -> list[DataLoad]:
    """Loads recorded at or after ``since`` (a ``time.perf_counter()`` value)."""
    return [load for load in _loads if load.at >= since]


def report_data(since: float) -> tuple[dict[str, Any], list[Any]]:
    """``Report.data`` and info diagnostics for the loads since ``since``.

    ``data`` maps each dataset to its last load's ``source``, ``train``, ``test`` sizes.
    A stand-in load adds a ``Diagnostic(kind="data", severity="info")``.
    """
    loads = loads_since(since)
    if not loads:
        return {}, []
    from .report import Diagnostic

    data: dict[str, Any] = {}
    notes: list[Any] = []
    for load in loads:
        data[load.dataset] = {"source": load.source, "train": load.train, "test": load.test}
    for dataset, entry in data.items():
        if entry["source"] == "stand-in":
            notes.append(Diagnostic(
                kind="data", severity="info", source="checks",
                message=f"Graded on tfgrade's synthetic stand-in for {_pretty(dataset)} "
                f"({entry['train']:,} training and {entry['test']:,} test images), not on the real data.",
                fix="To grade on the real data, put the Keras cache files in ~/.keras/datasets/fashion-mnist/ "
                "or point TFGRADE_DATA at a folder that holds them.",
                details=dict(entry, dataset=dataset),
            ))
    return data, notes


def _pretty(dataset: str) -> str:
    return {"fashion_mnist": "Fashion-MNIST"}.get(dataset, dataset)


def _download_with_keras() -> Arrays:
    """Keras' own ``load_data`` (network); tests monkeypatch this to fail."""
    original = _original_load_data()
    if original is None:
        import keras  # noqa: F401  (imports the module that defines load_data)

        original = _original_load_data()
    if original is None:
        raise RuntimeError("Keras' fashion_mnist.load_data could not be found")
    return original()


def _original_load_data() -> Callable[[], Arrays] | None:
    module = sys.modules.get("keras.src.datasets.fashion_mnist")
    function = getattr(module, "load_data", None)
    return getattr(function, "__wrapped__", function)


def _notice(text: str) -> None:
    # stdout, not stderr: in nbgrader grade cells any stderr output costs all the points.
    print(f"tfgrade: {text}", file=sys.stdout, flush=True)


def _load(download: Callable[[], Arrays] | None) -> tuple[Arrays, str, str]:
    files = _keras_cache_files()
    if files:
        return _read_folder(files), "keras-cache", ""
    files = _course_files()
    if files:
        return _read_folder(files), "course", ""
    if _offline():
        reason = "TFGRADE_OFFLINE is set"
    elif download is None:
        reason = "no download was attempted"
    else:
        try:
            data = download()
        except Exception as exc:   # no network, proxy refused, disk full ...
            detail = (str(exc).strip().splitlines() or [""])[0]
            detail = detail if len(detail) <= 70 else detail[:69] + "…"
            reason = f"the download failed: {detail or type(exc).__name__}"
        else:
            return data, "download", ""
    data = stand_in_fashion_mnist()
    return data, "stand-in", reason


def load_fashion_mnist(*, download: bool = True, quiet: bool = False) -> Arrays:
    """Fashion-MNIST as ``keras.datasets.fashion_mnist.load_data()`` returns it, offline-safe.

    Sources, in order: Keras cache, course folder, Keras download (``download=True`` and
    not ``TFGRADE_OFFLINE``), stand-in. When the stand-in serves, a one-line notice is
    printed (unless ``quiet``); every load is recorded for the report.
    """
    data, source, reason = _load(_download_with_keras if download else None)
    _record("fashion_mnist", source, data, reason)
    if source == "stand-in" and not quiet:
        (x_train, _), (x_test, _) = data
        _notice(f"Fashion-MNIST is not available ({reason}); using tfgrade's synthetic stand-in "
                f"({len(x_train):,} + {len(x_test):,} images of 10 classes, NOT the real data).")
    return data


# -- the fallback inside keras.datasets ---------------------------------------------------
# Modules that define or re-export fashion_mnist.load_data, Keras 3 and legacy tf.keras.
_TARGET_SUFFIX = ".datasets.fashion_mnist"
_TARGET_ROOTS = ("keras", "tf_keras", "tensorflow")
_patched: list[tuple[ModuleType, Any]] = []
_install_lock = threading.RLock()


def _is_target(name: str) -> bool:
    return name.endswith(_TARGET_SUFFIX) and name.split(".", 1)[0] in _TARGET_ROOTS


def _wrap(original: Callable[[], Arrays]) -> Callable[[], Arrays]:
    @functools.wraps(original)
    def load_data() -> Arrays:
        data, source, reason = _load(original)
        _record("fashion_mnist", source, data, reason)
        if source == "stand-in":
            (x_train, _), (x_test, _) = data
            _notice(f"could not download Fashion-MNIST ({reason}); load_data() returns tfgrade's "
                    f"synthetic stand-in ({len(x_train):,} + {len(x_test):,} images, NOT the real data).")
        return data

    load_data.__tfgrade_fallback__ = True   # type: ignore[attr-defined]
    return load_data


def _patch_module(module: ModuleType) -> None:
    current = getattr(module, "load_data", None)
    if current is None or not callable(current) or any(m is module for m, _ in _patched):
        return
    if getattr(current, "__tfgrade_fallback__", False):
        # A re-export imported after the defining module was patched: remember it for undo.
        _patched.append((module, current.__wrapped__))
        return
    wrapper = next((getattr(m, "load_data") for m, original in _patched if original is current), None)
    module.load_data = wrapper or _wrap(current)   # type: ignore[attr-defined]
    _patched.append((module, current))


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        with _install_lock:
            if _finder in sys.meta_path:
                _patch_module(module)

    def __getattr__(self, name: str) -> Any:   # get_source, is_package, ... of the real loader
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Wraps the loader of fashion_mnist modules so they are patched as soon as they load."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: Any = None) -> Any:
        if not _is_target(fullname):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _PatchingLoader(spec.loader)
                return spec
        return None


_finder = _Finder()


def install_offline_fallback() -> None:
    """Make ``keras.datasets.fashion_mnist.load_data()`` offline-safe in this process (idempotent).

    Patches the modules already imported and, through an import hook, those imported later;
    imports neither TensorFlow nor Keras.
    """
    with _install_lock:
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)
        for name, module in sorted(sys.modules.items(), key=lambda item: "src" not in item[0]):
            if module is not None and _is_target(name):
                _patch_module(module)


def uninstall_offline_fallback() -> None:
    """Undo :func:`install_offline_fallback` exactly (idempotent)."""
    with _install_lock:
        while _finder in sys.meta_path:
            sys.meta_path.remove(_finder)
        for module, original in reversed(_patched):
            if getattr(getattr(module, "load_data", None), "__tfgrade_fallback__", False):
                module.load_data = original   # type: ignore[attr-defined]
        _patched.clear()


def fallback_installed() -> bool:
    return _finder in sys.meta_path
