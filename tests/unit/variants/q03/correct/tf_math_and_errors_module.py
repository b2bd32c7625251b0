import numpy as np
import tensorflow as tf
from tensorflow import errors

a = tf.range(10)
b = tf.constant(np.arange(10))
a_dtype = tf.as_dtype(a.dtype)
b_dtype = b.dtype
try:
    tf.math.add(a, b)
except errors.InvalidArgumentError as caught:
    add_error = caught
a_plus_b = tf.math.add(a, tf.cast(b, a_dtype))
print(add_error)
