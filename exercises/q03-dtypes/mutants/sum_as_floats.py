# mistake: a_plus_b casts both tensors to float32 instead of casting b to a's integer dtype
# caught-by: check_a_plus_b
a = tf.range(10)
b = tf.constant(np.arange(10))

a_dtype = a.dtype
b_dtype = b.dtype

add_error = None
try:
    a + b
except tf.errors.InvalidArgumentError as e:
    add_error = e

a_plus_b = tf.cast(a, tf.float32) + tf.cast(b, tf.float32)
