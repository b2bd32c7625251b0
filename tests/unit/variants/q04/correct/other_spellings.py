import tensorflow as tf

sparse = tf.sparse.reorder(tf.SparseTensor(indices=[[2, 3], [0, 1], [1, 0]], values=tf.constant([3.0, 1.0, 2.0]), dense_shape=(3, 4)))
sparse_dense = tf.sparse.to_dense(sparse, default_value=0.0)

ragged = tf.RaggedTensor.from_row_lengths([1, 2, 3, 4, 5, 6], row_lengths=[3, 1, 0, 2])
ragged_dense = ragged.to_tensor(default_value=0)

words = tf.constant(["café", "tensor", "flow"], dtype=tf.string)
word_lengths = tf.strings.unicode_decode(words, "UTF-8").row_lengths()


def squares_array(n):
    result = tf.TensorArray(dtype=tf.float32, size=n, dynamic_size=False)
    for index in tf.range(n):
        value = tf.cast(index, tf.float32) ** 2
        result = result.write(index, value)
    return result


common = tf.sets.intersection(set_a, set_b)
common_dense = tf.sparse.to_dense(common, default_value=0)
