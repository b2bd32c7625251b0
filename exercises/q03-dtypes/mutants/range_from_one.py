# mistake: a = tf.range(1, 11), so it holds 1..10 instead of 0..9
# caught-by: check_a
a = tf.range(1, 11)
b = tf.constant(np.arange(10))

a_dtype = a.dtype
b_dtype = b.dtype

add_error = None
try:
    a + b
except tf.errors.InvalidArgumentError as e:
    add_error = e

a_plus_b = a + tf.cast(b, a.dtype)
