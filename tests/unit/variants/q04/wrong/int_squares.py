# the TensorArray holds int32
sparse = tf.SparseTensor(indices=[[0, 1], [1, 0], [2, 3]], values=[1.0, 2.0, 3.0], dense_shape=[3, 4])
sparse_dense = tf.sparse.to_dense(sparse)

ragged = tf.ragged.constant([[1, 2, 3], [4], [], [5, 6]])
ragged_dense = ragged.to_tensor()

words = tf.constant(["café", "tensor", "flow"])
word_lengths = tf.strings.length(words, unit="UTF8_CHAR")


def squares_array(n):
    array = tf.TensorArray(tf.int32, size=n)
    for i in tf.range(n):
        array = array.write(i, i * i)
    return array


common = tf.sets.intersection(set_a, set_b)
common_dense = tf.sparse.to_dense(common)
