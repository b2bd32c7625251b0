a = tf.range(10)
b = tf.constant(np.arange(10))
a_dtype, b_dtype = tf.int32, tf.dtypes.int64
try:
    _ = a + b
    add_error = None
except Exception as err:          # a broad except still keeps the real error object
    add_error = err
a_plus_b = tf.add(a, tf.cast(b, dtype=tf.int32))
