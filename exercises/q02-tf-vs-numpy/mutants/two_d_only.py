# mistake: set_entries assumes a 2-D float variable (indexes with idx[0], idx[1]) so other ranks break
# caught-by: check_set_entries_any_rank
def set_entries(var, indices, values):
    for idx, value in zip(indices, values):
        var[idx[0], idx[1]].assign(value)


def transpose_copy(x):
    return tf.transpose(x)


reductions = {
    "sum": tf.reduce_sum,
    "mean": tf.reduce_mean,
    "max": tf.reduce_max,
}
