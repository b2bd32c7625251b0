# mistake: the sparse tensor's indices are not in row-major order (no tf.sparse.reorder), so to_dense fails
# caught-by: check_sparse
sparse = tf.SparseTensor(indices=[[1, 0], [0, 1], [2, 3]], values=[2.0, 1.0, 3.0], dense_shape=[3, 4])
sparse_dense = tf.sparse.to_dense(sparse)

ragged = tf.ragged.constant([[1, 2, 3], [4], [], [5, 6]])
ragged_dense = ragged.to_tensor()

words = tf.constant(["café", "tensor", "flow"])
word_lengths = tf.strings.length(words, unit="UTF8_CHAR")


def squares_array(n):
    array = tf.TensorArray(tf.float32, size=n)
    for i in tf.range(n):
        array = array.write(i, tf.cast(i * i, tf.float32))
    return array


common = tf.sets.intersection(set_a, set_b)
common_dense = tf.sparse.to_dense(common)
