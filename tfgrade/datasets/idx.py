"""IDX files, the format of the Fashion-MNIST (and MNIST) distribution, gzip-compressed or not."""

from __future__ import annotations

import gzip
import os
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # numpy is imported when data are read, not by `%load_ext tfgrade`
    import numpy as np

__all__ = ["read_idx", "write_idx"]

_IDX_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


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
    if len(raw) < 4 + 4 * ndim:
        raise ValueError(f"{path}: its header is cut short")
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
