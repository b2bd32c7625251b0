# mistake: b is built with dtype=tf.int32, hiding NumPy's int64 default (so a + b no longer fails)
# caught-by: check_b, check_add_error
a = tf.range(10)
b = tf.constant(np.arange(10), dtype=tf.int32)

a_dtype = a.dtype
b_dtype = b.dtype

add_error = None
try:
    a + b
except tf.errors.InvalidArgumentError as e:
    add_error = e

a_plus_b = a + tf.cast(b, a.dtype)
