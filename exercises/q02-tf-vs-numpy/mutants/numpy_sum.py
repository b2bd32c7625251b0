# mistake: reductions['sum'] is NumPy's np.sum (it accepts tensors, but is not TensorFlow's function)
# caught-by: check_reductions
def set_entries(var, indices, values):
    var.scatter_nd_update(indices, tf.constant(values, dtype=var.dtype))


def transpose_copy(x):
    return tf.transpose(x)


reductions = {
    "sum": np.sum,
    "mean": tf.reduce_mean,
    "max": tf.reduce_max,
}
