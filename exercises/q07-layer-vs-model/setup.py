import numpy as np
import tensorflow as tf
import keras

# A small regression problem: 8 features, one noisy linear target.
_data_rng = np.random.default_rng(7)
X_train = _data_rng.normal(size=(256, 8)).astype("float32")
y_train = (X_train @ _data_rng.normal(size=(8, 1)) + 0.1 * _data_rng.normal(size=(256, 1))).astype("float32")
