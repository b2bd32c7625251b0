"""Where Fashion-MNIST comes from, in order: Keras cache, course folder, Keras download, stand-in.

1. ``keras-cache``: the four files Keras keeps in ``$KERAS_HOME/datasets/fashion-mnist/``
   (``KERAS_HOME`` defaults to ``~/.keras``);
2. ``course``: the same files in the folder a course names (the ``data_dir`` setting,
   ``TFGRADE_DATA``), directly or in a ``fashion-mnist/`` sub-folder;
3. ``download``: Keras' own download (skipped when ``offline``);
4. ``stand-in``: the synthetic stand-in (:mod:`tfgrade.datasets.standin`), labelled as such.

Settings arrive as arguments (``data_dir``, ``offline``); this module reads no tfgrade
setting itself.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .idx import read_idx
from .loads import DataLoad
from .standin import Arrays, stand_in_fashion_mnist

__all__ = ["FASHION_MNIST_FILES", "CourseFolderError", "FashionMnistSources", "course_files", "notice"]

# (split, part) -> file name, as Keras names them.
FASHION_MNIST_FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}

Files = "dict[tuple[str, str], Path]"


class CourseFolderError(Exception):
    """The course data folder is set but cannot serve Fashion-MNIST; the message says why, in one line."""


def _files_in(folder: Path) -> dict[tuple[str, str], Path] | None:
    files = {key: folder / name for key, name in FASHION_MNIST_FILES.items()}
    return files if all(p.is_file() for p in files.values()) else None


def course_files(data_dir: str | os.PathLike[str]) -> dict[tuple[str, str], Path]:
    """The four files in ``data_dir`` (or its ``fashion-mnist/`` sub-folder), else :class:`CourseFolderError`."""
    folder = Path(data_dir).expanduser()
    if not folder.is_dir():
        raise CourseFolderError(f"the course data folder {folder} (TFGRADE_DATA / data_dir) does not exist")
    candidates = [folder / "fashion-mnist", folder]
    for candidate in candidates:
        files = _files_in(candidate)
        if files:
            return files
    # Name what is missing where the course put some of the files (else in the folder itself).
    where = next((c for c in candidates if any((c / n).is_file() for n in FASHION_MNIST_FILES.values())), folder)
    missing = [name for name in FASHION_MNIST_FILES.values() if not (where / name).is_file()]
    raise CourseFolderError(f"the course data folder {where} lacks {', '.join(missing)}")


_parsed: dict[tuple[str, ...], Any] = {}    # parsed files, keyed by path, mtime and size
_parsed_lock = threading.Lock()


def _read_files(files: dict[tuple[str, str], Path]) -> Arrays:
    key = tuple(f"{p}:{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in files.values())
    with _parsed_lock:
        if key not in _parsed:
            y_train = read_idx(files["train", "labels"])
            x_train = read_idx(files["train", "images"]).reshape(len(y_train), 28, 28)
            y_test = read_idx(files["test", "labels"])
            x_test = read_idx(files["test", "images"]).reshape(len(y_test), 28, 28)
            _parsed.clear()   # one data set in memory at a time
            _parsed[key] = ((x_train, y_train), (x_test, y_test))
        return _parsed[key]


def keras_homes() -> list[Path]:
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
    return list(dict.fromkeys(homes))


def _keras_cache_files() -> dict[tuple[str, str], Path] | None:
    for home in keras_homes():
        files = _files_in(home / "datasets" / "fashion-mnist")
        if files:
            return files
    return None


def notice(text: str) -> None:
    # stdout, not stderr: in nbgrader grade cells any stderr output costs all the points.
    print(f"tfgrade: {text}", file=sys.stdout, flush=True)


@dataclass(frozen=True)
class FashionMnistSources:
    """The source order, with the course's settings."""

    data_dir: str | None = None
    offline: bool = False

    def load(self, download: Callable[[], Arrays] | None) -> tuple[Arrays, DataLoad]:
        """The arrays from the first source that has them, and the record of that load.

        ``download`` is Keras' own loader (``None``: do not download). A course folder
        that is set but incomplete prints a one-line notice naming the missing files.
        """
        files = _keras_cache_files()
        if files:
            return self._served(_read_files(files), "keras-cache")
        course_problem = ""
        if self.data_dir:
            try:
                return self._served(_read_files(course_files(self.data_dir)), "course")
            except CourseFolderError as exc:
                course_problem = str(exc)
                notice(f"{course_problem}; Fashion-MNIST comes from the next source instead.")
        if self.offline:
            reason = "offline mode is on (TFGRADE_OFFLINE)"
        elif download is None:
            reason = "no download was attempted"
        else:
            try:
                return self._served(download(), "download", course_problem)
            except Exception as exc:   # no network, proxy refused, disk full ...
                detail = (str(exc).strip().splitlines() or [""])[0]
                detail = detail if len(detail) <= 70 else detail[:69] + "…"
                reason = f"the download failed ({detail or type(exc).__name__})"
        reason = f"{course_problem}, and {reason}" if course_problem else reason
        return self._served(stand_in_fashion_mnist(), "stand-in", reason)

    @staticmethod
    def _served(data: Arrays, source: str, reason: str = "") -> tuple[Arrays, DataLoad]:
        (x_train, _), (x_test, _) = data
        return data, DataLoad("fashion_mnist", source, len(x_train), len(x_test), reason)
