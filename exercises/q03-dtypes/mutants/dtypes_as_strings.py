# mistake: a_dtype and b_dtype are the dtype names as strings, not tf.DType objects
# caught-by: check_dtypes
a = tf.range(10)
b = tf.constant(np.arange(10))

a_dtype = "int32"
b_dtype = "int64"

add_error = None
try:
    a + b
except tf.errors.InvalidArgumentError as e:
    add_error = e

a_plus_b = a + tf.cast(b, a.dtype)
