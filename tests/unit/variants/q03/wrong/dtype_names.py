a = tf.range(10)
b = tf.constant(np.arange(10))
a_dtype = a.dtype.name
b_dtype = b.dtype.name
try:
    a + b
except tf.errors.InvalidArgumentError as e:
    add_error = e
a_plus_b = a + tf.cast(b, a.dtype)
