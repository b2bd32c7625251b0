# mistake: b is made from np.arange(10.), a float64 array, instead of np.arange(10)
# caught-by: check_b
a = tf.range(10)
b = tf.constant(np.arange(10.))

a_dtype = a.dtype
b_dtype = b.dtype

add_error = None
try:
    a + b
except tf.errors.InvalidArgumentError as e:
    add_error = e

a_plus_b = a + tf.cast(b, a.dtype)
