import numpy as np
import tensorflow as tf
import keras

# A small regression problem to try your step on: 3 features, one target.
_data_rng = np.random.default_rng(8)
X_train = _data_rng.normal(size=(96, 3)).astype("float32")
y_train = (X_train @ np.array([[1.5], [-2.0], [0.5]]) + 0.3).astype("float32")
