"""A synthetic stand-in for Fashion-MNIST, for when the real files cannot be had.

Same shape as the real data (60,000 training and 10,000 test images, 28x28 ``uint8``,
10 balanced classes in the real label order) and calibrated to its difficulty: each
class is a garment silhouette drawn with per-image proportions, placement, contrast,
texture and noise, and the four tops (T-shirt, pullover, coat, shirt) differ only by
details (sleeve length, a front opening, a collar) whose strength varies per image, as
in the real data where those four are the classes models confuse.
``benchmarks/standin_calibration.py`` trains logistic regression and a one-hidden-layer
MLP on it: 0.838 and 0.886 test accuracy, against the dataset authors' published 0.842 and
0.871 on the real data (generator version 1, default seed).

Generation is vectorised NumPy (a few seconds) and its result is cached in
``$XDG_CACHE_HOME/tfgrade/`` (default ``~/.cache/tfgrade/``), keyed by
``GENERATOR_VERSION``: change that number whenever the generator's output changes.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["GENERATOR_VERSION", "STAND_IN_SIZES", "stand_in_fashion_mnist", "generate", "cache_path"]

GENERATOR_VERSION = 1
STAND_IN_SIZES = (60_000, 10_000)   # training, test images: as in the real data
_SEED = 20_12_13

Arrays = "tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]"

# Calibration knobs (see benchmarks/standin_calibration.py before changing them).
_PIXEL_NOISE = 0.04        # per-pixel Gaussian noise, in units of full brightness
_SHIFT = 1.25             # standard deviation of the garment's offset, in pixels
_BLEND_SHARE = 0.16        # share of images blended with a look-alike class (Dress with Coat, ...)
_DETAIL_FADE = 0.8         # probability-like weight for how often a top's telling detail is faint


def cache_path(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the generated arrays are kept (one file per generator version)."""
    root = Path(cache_dir) if cache_dir else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tfgrade"
    return root / f"fashion-mnist-stand-in-v{GENERATOR_VERSION}.npz"


@functools.lru_cache(maxsize=2)
def stand_in_fashion_mnist(seed: int = _SEED, cache_dir: str | None = None) -> Arrays:
    """The stand-in ``(x_train, y_train), (x_test, y_test)``, read-only, from the cache or generated.

    The default seed is cached on disk; another ``seed`` gives a different, equally
    distributed set (generated, not cached), e.g. to play a course's "other" data in tests.
    """
    import numpy as np

    path = cache_path(cache_dir)
    arrays = None
    if seed == _SEED and path.is_file():
        try:
            with np.load(path) as stored:
                arrays = ((stored["x_train"], stored["y_train"]), (stored["x_test"], stored["y_test"]))
        except Exception:    # a truncated or foreign file: make it again
            arrays = None
        if arrays is not None and (len(arrays[0][0]), len(arrays[1][0])) != STAND_IN_SIZES:
            arrays = None
    if arrays is None:
        arrays = generate(seed)
        if seed == _SEED:
            _store(path, arrays)
    for array in (*arrays[0], *arrays[1]):
        array.setflags(write=False)
    return arrays


def _store(path: Path, arrays: Arrays) -> None:
    """Write atomically: a half-written cache file is never read by another process."""
    import numpy as np

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            (x_train, y_train), (x_test, y_test) = arrays
            np.savez(out, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
        os.chmod(temporary, 0o644)   # mkstemp makes it private; the data are not
        os.replace(temporary, path)
    except OSError:   # a read-only home: generate again next time rather than fail
        try:
            os.unlink(temporary)
        except (OSError, UnboundLocalError):
            pass


def generate(seed: int = _SEED, sizes: tuple[int, int] = STAND_IN_SIZES) -> Arrays:
    """Generate the arrays (no cache). Labels are balanced and shuffled; images ``uint8``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    for n in sizes:
        labels = (np.arange(n) % 10).astype(np.uint8)
        rng.shuffle(labels)
        images = np.empty((n, 28, 28), np.uint8)
        for start in range(0, n, 10_000):   # chunks keep the float work under ~100 MB
            stop = min(start + 10_000, n)
            images[start:stop] = _draw(labels[start:stop], rng)
        out.append((images, labels))
    return out[0], out[1]


# -- drawing ------------------------------------------------------------------------------
def _grid(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per-image coordinates in the garment's frame: random scale, aspect, shift and slight tilt."""
    import numpy as np

    yy, xx = np.mgrid[0:28, 0:28].astype(np.float32)
    scale = rng.uniform(0.8, 1.15, size=(n, 1, 1)).astype(np.float32)
    aspect = rng.uniform(0.85, 1.15, size=(n, 1, 1)).astype(np.float32)
    dy, dx = (rng.normal(0.0, _SHIFT, size=(2, n, 1, 1))).astype(np.float32)
    tilt = rng.normal(0.0, 0.06, size=(n, 1, 1)).astype(np.float32)
    y0, x0 = yy - 13.5 - dy, xx - 13.5 - dx
    y = (y0 * np.cos(tilt) - x0 * np.sin(tilt)) / scale
    x = (x0 * np.cos(tilt) + y0 * np.sin(tilt)) / (scale * aspect)
    return y, x


def _box(y: np.ndarray, x: np.ndarray, cy, cx, h, w, soft: float = 0.9) -> np.ndarray:
    """A soft-edged axis-aligned rectangle centred on (cy, cx); parameters may be per image."""
    import numpy as np

    inside = np.minimum(h / 2 - np.abs(y - cy), w / 2 - np.abs(x - cx))
    return 1.0 / (1.0 + np.exp(-inside / soft))


def _ellipse(y: np.ndarray, x: np.ndarray, cy, cx, ry, rx, soft: float = 0.12) -> np.ndarray:
    import numpy as np

    r = np.sqrt(((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2)
    return 1.0 / (1.0 + np.exp(np.clip((r - 1.0) / soft, -30, 30)))


def _slanted_arm(y, x, side: int, length, width, top: float = -8.0, spread=0.9):
    """A sleeve hanging from the shoulder at ``top``, slanting outwards by ``spread`` per row."""
    import numpy as np

    along = y - top                                   # rows below the shoulder
    centre = side * (6.5 + spread * np.clip(along, 0, None) * 0.35)
    inside = np.minimum(np.minimum(along + 1.0, length - along), width / 2 - np.abs(x - centre))
    return 1.0 / (1.0 + np.exp(-inside / 0.8))


def _u(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    return rng.uniform(low, high, size=(n, 1, 1)).astype("float32")


def _top(y, x, rng, n, sleeve_low, sleeve_high, torso_h=(17, 21)) -> np.ndarray:
    import numpy as np

    torso = _box(y, x, _u(rng, n, 0.5, 1.5), 0.0, _u(rng, n, *torso_h), _u(rng, n, 12.0, 15.0))
    length = _u(rng, n, sleeve_low, sleeve_high)
    width = _u(rng, n, 4.0, 5.5)
    arms = np.maximum(_slanted_arm(y, x, -1, length, width), _slanted_arm(y, x, 1, length, width))
    neck = _ellipse(y, x, -9.5, 0.0, _u(rng, n, 1.5, 2.5), _u(rng, n, 2.5, 3.5))
    return np.maximum(torso, arms) * (1.0 - 0.9 * neck)


def _detail_strength(rng: np.random.Generator, n: int) -> np.ndarray:
    """How visible a top's telling detail is in each image: often faint, sometimes absent."""
    import numpy as np

    strength = rng.beta(1.2, 1.2 + 2.0 * _DETAIL_FADE, size=(n, 1, 1)).astype(np.float32)
    return strength


def _shape(label: int, y: np.ndarray, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Brightness 0..1 of the garment of class ``label`` for each image's coordinates."""
    import numpy as np

    n = len(y)
    if label == 0:    # T-shirt/top: short sleeves (sometimes sleeveless), light
        return _top(y, x, rng, n, 0.0, 6.5)
    if label == 1:    # Trouser: two long legs
        gap = _u(rng, n, 0.6, 2.0)
        leg = lambda side: _box(y, x, 1.0, side * (gap / 2 + 2.6), _u(rng, n, 23, 26), _u(rng, n, 4.2, 5.6))
        waist = _box(y, x, -10.5, 0.0, 3.0, _u(rng, n, 10.0, 13.0))
        return np.maximum(np.maximum(leg(-1), leg(1)), waist)
    if label == 2:    # Pullover: long sleeves, ribbed hem, no opening
        body = _top(y, x, rng, n, 13.0, 19.0)
        hem = _box(y, x, 10.5, 0.0, 2.0, 13.0) * _detail_strength(rng, n) * 0.3
        return np.clip(body + hem, 0, 1)
    if label == 3:    # Dress: narrow top widening downwards
        half = 2.5 + (y + 12) * _u(rng, n, 0.22, 0.38)
        inside = np.minimum(np.minimum(y + 12.5, 12.5 - y), half - np.abs(x))
        return 1.0 / (1.0 + np.exp(-inside / 0.8))
    if label == 4:    # Coat: long sleeves, longer body, a dark front opening, collar
        body = _top(y, x, rng, n, 14.0, 20.0, torso_h=(20, 24))
        strength = _detail_strength(rng, n)
        opening = _box(y, x, 1.5, 0.0, 20.0, _u(rng, n, 0.6, 1.6), soft=0.5)
        collar = _box(y, x, -8.5, 0.0, 3.0, 8.0) * strength * 0.3
        return np.clip(body * (1.0 - 0.8 * strength * opening) + collar, 0, 1)
    if label == 5:    # Sandal: a few thin straps over a sole, low in the frame
        sole = _box(y, x, 7.0, 0.0, 2.0, _u(rng, n, 20, 25))
        straps = sum(_box(y, x, _u(rng, n, -2, 6), _u(rng, n, -8, 8), _u(rng, n, 1.0, 3.0), _u(rng, n, 4, 12))
                     for _ in range(3))
        return np.clip(sole + 0.8 * straps, 0, 1) * (1.0 - _box(y, x, 2.0, 0.0, 6.0, 14.0) * 0.5)
    if label == 6:    # Shirt: sleeves of any length, a collar and a faint button line
        body = _top(y, x, rng, n, 2.0, 19.0)
        strength = _detail_strength(rng, n)
        buttons = _box(y, x, 1.5, 0.0, 18.0, 0.8, soft=0.4) * (np.sin(y * 2.2) > 0)
        collar = np.maximum(_box(y, x, -9.0, -2.0, 2.5, 3.0), _box(y, x, -9.0, 2.0, 2.5, 3.0))
        return np.clip(body * (1.0 - 0.5 * strength * buttons) + 0.4 * strength * collar, 0, 1)
    if label == 7:    # Sneaker: low shoe, toe to the left
        top_line = -1.0 + _u(rng, n, -4.0, 2.0) + 0.25 * np.clip(x, -12, 12)
        inside = np.minimum(np.minimum(y - top_line, 6.5 - y), 12.5 - np.abs(x))
        return 1.0 / (1.0 + np.exp(-inside / 0.8))
    if label == 8:    # Bag: a box with a handle
        box = _box(y, x, 3.0, 0.0, _u(rng, n, 13, 17), _u(rng, n, 17, 23))
        handle = _ellipse(y, x, -5.0, 0.0, _u(rng, n, 4, 6), _u(rng, n, 5, 8)) * (
            1 - _ellipse(y, x, -5.0, 0.0, 3.0, 5.0))
        return np.maximum(box, 0.8 * handle)
    # label 9, Ankle boot: a shaft on the right rising from a shoe
    shoe = _box(y, x, 6.5, 0.0, _u(rng, n, 6, 8), _u(rng, n, 22, 26))
    height = _u(rng, n, 8, 19)
    shaft = _box(y, x, 4.0 - height / 2, _u(rng, n, 3, 6), height, _u(rng, n, 9, 12))
    return np.maximum(shoe, shaft)


def _texture(n: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth per-image brightness variation (folds, prints), upsampled from a coarse grid."""
    import numpy as np

    coarse = rng.normal(0.0, 1.0, size=(n, 4, 4)).astype(np.float32)
    fine = np.repeat(np.repeat(coarse, 7, axis=1), 7, axis=2)
    kernel = np.array([1, 2, 3, 2, 1], np.float32) / 9.0   # soften the 7x7 tiles
    for axis in (1, 2):
        fine = sum(np.roll(fine, s - 2, axis=axis) * k for s, k in enumerate(kernel))
    return fine


# The class each class is most often mistaken for in the real data.
_LOOK_ALIKE = (6, 3, 4, 4, 2, 7, 0, 9, 2, 7)


def _draw(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    import numpy as np

    n = len(labels)
    y, x = _grid(n, rng)
    images = np.zeros((n, 28, 28), np.float32)
    for label in range(10):
        rows = np.flatnonzero(labels == label)
        if len(rows):
            images[rows] = _shape(label, y[rows], x[rows], rng)
    # Some images borrow from a look-alike class, as real photos of borderline garments do.
    blended = rng.random(n) < _BLEND_SHARE
    for label, sibling in enumerate(_LOOK_ALIKE):
        rows = np.flatnonzero(blended & (labels == label))
        if len(rows):
            weight = rng.uniform(0.15, 0.5, size=(len(rows), 1, 1)).astype(np.float32)
            images[rows] = (1 - weight) * images[rows] + weight * _shape(sibling, y[rows], x[rows], rng)
    brightness = rng.uniform(0.5, 1.0, size=(n, 1, 1)).astype(np.float32)
    images *= brightness * (1.0 + 0.25 * _texture(n, rng))
    garment = images > 0.08
    images += rng.normal(0.0, _PIXEL_NOISE, size=images.shape).astype(np.float32) * garment
    images *= garment                      # a clean black background, as in the real photos
    return np.clip(images * 255.0, 0, 255).astype(np.uint8)
