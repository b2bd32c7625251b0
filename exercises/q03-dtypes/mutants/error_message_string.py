# mistake: add_error keeps the error's message as a string instead of the exception object
# caught-by: check_add_error
a = tf.range(10)
b = tf.constant(np.arange(10))

a_dtype = a.dtype
b_dtype = b.dtype

add_error = None
try:
    a + b
except Exception as e:
    add_error = str(e)

a_plus_b = a + tf.cast(b, a.dtype)
