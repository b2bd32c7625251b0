"""Datasets with an offline fallback: Fashion-MNIST as ``keras.datasets.fashion_mnist`` gives it.

- :mod:`.idx`: reading and writing IDX files;
- :mod:`.standin`: the synthetic stand-in, real-sized and calibrated, cached on disk;
- :mod:`.sources`: the source order (Keras cache > course folder > download > stand-in);
- :mod:`.keras_hook`: the import hook behind ``%load_ext tfgrade`` and :func:`load_fashion_mnist`;
- :mod:`.loads`: the record of loads that the datasets probe reads, and ``Report.data``.

Importing this package is cheap: it imports neither NumPy, TensorFlow nor Keras.
"""

from .idx import read_idx, write_idx
from .keras_hook import (OfflineFallback, install_offline_fallback, installed_fallback, load_fashion_mnist,
                         uninstall_offline_fallback)
from .loads import DataLoad, LoadLog, report_data
from .sources import FASHION_MNIST_FILES, CourseFolderError, FashionMnistSources
from .standin import STAND_IN_SIZES, stand_in_fashion_mnist

__all__ = [
    "FASHION_MNIST_FILES", "STAND_IN_SIZES", "CourseFolderError", "DataLoad", "FashionMnistSources", "LoadLog",
    "OfflineFallback", "install_offline_fallback", "installed_fallback", "load_fashion_mnist", "read_idx",
    "report_data", "stand_in_fashion_mnist", "uninstall_offline_fallback", "write_idx",
]
