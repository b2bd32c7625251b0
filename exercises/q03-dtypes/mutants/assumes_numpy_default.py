# mistake: the dtypes are written out assuming TensorFlow defaults to 64-bit integers like NumPy
# caught-by: check_dtypes
a = tf.range(10)
b = tf.constant(np.arange(10))

a_dtype = tf.int64
b_dtype = tf.int64

add_error = None
try:
    a + b
except tf.errors.InvalidArgumentError as e:
    add_error = e

a_plus_b = a + tf.cast(b, a.dtype)
