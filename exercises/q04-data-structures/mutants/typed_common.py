# mistake: common is a SparseTensor typed in by hand instead of computed with tf.sets
# caught-by: check_sets
sparse = tf.SparseTensor(indices=[[0, 1], [1, 0], [2, 3]], values=[1.0, 2.0, 3.0], dense_shape=[3, 4])
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


common = tf.SparseTensor(indices=[[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]], values=[1, 2, 5, 4, 8], dense_shape=[2, 3])
common_dense = tf.sparse.to_dense(common)
