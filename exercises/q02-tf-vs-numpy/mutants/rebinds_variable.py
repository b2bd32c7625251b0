# mistake: set_entries builds a new tf.Variable (rebinding the local name) instead of changing the caller's variable
# caught-by: check_set_entries_in_place
def set_entries(var, indices, values):
    var = tf.Variable(tf.tensor_scatter_nd_update(var, indices, tf.constant(values, dtype=var.dtype)))
    return var


def transpose_copy(x):
    return tf.transpose(x)


reductions = {
    "sum": tf.reduce_sum,
    "mean": tf.reduce_mean,
    "max": tf.reduce_max,
}
