# mistake: set_entries uses tf.tensor_scatter_nd_update, which returns a new tensor and leaves the variable unchanged
# caught-by: check_set_entries_in_place
def set_entries(var, indices, values):
    return tf.tensor_scatter_nd_update(var, indices, tf.constant(values, dtype=var.dtype))


def transpose_copy(x):
    return tf.transpose(x)


reductions = {
    "sum": tf.reduce_sum,
    "mean": tf.reduce_mean,
    "max": tf.reduce_max,
}
