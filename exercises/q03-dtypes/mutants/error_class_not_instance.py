# mistake: add_error is the exception class itself rather than the exception that a + b raised
# caught-by: check_add_error
a = tf.range(10)
b = tf.constant(np.arange(10))

a_dtype = a.dtype
b_dtype = b.dtype

add_error = tf.errors.InvalidArgumentError

a_plus_b = a + tf.cast(b, a.dtype)
