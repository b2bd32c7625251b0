# mistake: transpose_copy reshapes to the swapped shape, which keeps the elements in their old order
# caught-by: check_transpose_values
def set_entries(var, indices, values):
    var.scatter_nd_update(indices, tf.constant(values, dtype=var.dtype))


def transpose_copy(x):
    return tf.reshape(x, (x.shape[1], x.shape[0]))


reductions = {
    "sum": tf.reduce_sum,
    "mean": tf.reduce_mean,
    "max": tf.reduce_max,
}
