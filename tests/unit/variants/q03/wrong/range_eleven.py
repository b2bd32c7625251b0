a = tf.range(11)
b = tf.constant(np.arange(10))
a_dtype, b_dtype = a.dtype, b.dtype
try:
    a + b
except tf.errors.InvalidArgumentError as e:
    add_error = e
a_plus_b = a[:10] + tf.cast(b, a.dtype)
