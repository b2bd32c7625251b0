def set_entries(var, indices, values):
    var.scatter_nd_update(indices, tf.constant(values, dtype=var.dtype))


def transpose_copy(x):
    return tf.transpose(x)


reductions = {"sum": tf.reduce_sum, "mean": tf.reduce_mean, "max": tf.reduce_max(tf.constant([1.0]))}
