import numpy as np
import tensorflow as tf
import keras


def signed_log(values):
    """A NumPy-only routine, standing in for a library that has no TensorFlow version.

    Squashes values of any size: sign(v) * log(1 + |v|).
    """
    values = np.asarray(values, dtype=np.float32)
    return np.sign(values) * np.log1p(np.abs(values))


# Features of very different scales, and a target that depends on their logarithms.
_data_rng = np.random.default_rng(11)
X_train = (_data_rng.normal(size=(128, 4)) * np.array([1.0, 10.0, 100.0, 1000.0])).astype("float32")
y_train = (signed_log(X_train) @ np.array([[0.5], [-0.3], [0.2], [0.1]])).astype("float32")
