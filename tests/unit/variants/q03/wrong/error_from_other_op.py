a = tf.range(10)
b = tf.constant(np.arange(10))
a_dtype, b_dtype = a.dtype, b.dtype
try:
    tf.reshape(a, (3, 3))
except tf.errors.InvalidArgumentError as e:
    add_error = e
a_plus_b = a + tf.cast(b, a.dtype)
