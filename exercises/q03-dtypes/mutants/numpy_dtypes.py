# mistake: a_dtype and b_dtype are NumPy's integer types rather than TensorFlow's tf.DType objects
# caught-by: check_dtypes
a = tf.range(10)
b = tf.constant(np.arange(10))

a_dtype = np.int32
b_dtype = np.int64

add_error = None
try:
    a + b
except tf.errors.InvalidArgumentError as e:
    add_error = e

a_plus_b = a + tf.cast(b, a.dtype)
