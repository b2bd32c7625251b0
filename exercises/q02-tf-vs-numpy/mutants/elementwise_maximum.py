# mistake: reductions['max'] is tf.maximum, the element-wise maximum of two tensors, not a reduction
# caught-by: check_reductions
def set_entries(var, indices, values):
    var.scatter_nd_update(indices, tf.constant(values, dtype=var.dtype))


def transpose_copy(x):
    return tf.transpose(x)


reductions = {
    "sum": tf.reduce_sum,
    "mean": tf.reduce_mean,
    "max": tf.maximum,
}
