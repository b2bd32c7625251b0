def set_entries(var, indices, values):
    new_values = tf.tensor_scatter_nd_update(tf.identity(var), indices, tf.constant(values, var.dtype))
    var.assign(new_values)


def transpose_copy(x):
    return tf.linalg.matrix_transpose(tf.convert_to_tensor(x))


reductions = {}
reductions["sum"] = tf.reduce_sum
reductions["mean"] = tf.reduce_mean
reductions["max"] = tf.reduce_max
