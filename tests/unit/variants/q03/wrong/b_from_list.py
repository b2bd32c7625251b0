a = tf.range(10)
b = tf.constant(list(range(10)))
a_dtype, b_dtype = a.dtype, b.dtype
add_error = None
try:
    a + b
except Exception as e:
    add_error = e
a_plus_b = a + tf.cast(b, a.dtype)
