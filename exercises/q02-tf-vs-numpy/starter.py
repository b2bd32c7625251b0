def set_entries(var, indices, values):
    # Change `var` itself: tensors are immutable, but a tf.Variable has methods that write into it.
    ...


def transpose_copy(x):
    # Return a tf.Tensor holding x transposed, independent of x.
    ...


reductions = {
    "sum": ...,
    "mean": ...,
    "max": ...,
}
