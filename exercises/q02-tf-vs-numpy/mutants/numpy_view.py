# mistake: transpose_copy returns NumPy's x.T, a view of x rather than a tf.Tensor copy
# caught-by: check_transpose_is_tensor, check_transpose_is_copy
def set_entries(var, indices, values):
    var.scatter_nd_update(indices, tf.constant(values, dtype=var.dtype))


def transpose_copy(x):
    return x.T


reductions = {
    "sum": tf.reduce_sum,
    "mean": tf.reduce_mean,
    "max": tf.reduce_max,
}
