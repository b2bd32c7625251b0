"""Checks for q04: sparse, ragged and string tensors, a TensorArray, and a set operation."""

import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import assert_tensors_close, describe_value, to_numpy

from _support import typed_in


SPARSE_DENSE = np.array([[0, 1, 0, 0], [2, 0, 0, 0], [0, 0, 0, 3]], dtype=np.float32)
RAGGED_ROWS = [[1, 2, 3], [4], [], [5, 6]]
RAGGED_DENSE = np.array([[1, 2, 3], [4, 0, 0], [0, 0, 0], [5, 6, 0]], dtype=np.int32)
WORDS = ["café", "tensor", "flow"]
COMMON_DENSE = np.array([[1, 2, 5], [4, 8, 0]], dtype=np.int32)


def _dense_tensor(name, value):
    assert not isinstance(value, (tf.SparseTensor, tf.RaggedTensor)), (
        f"`{name}` is still {describe_value(value)}; convert it to an ordinary dense tf.Tensor."
    )
    assert tf.is_tensor(value), f"`{name}` should be a dense tf.Tensor, but it is {describe_value(value)}."


def _sparse_or_fail(name, value):
    if tf.is_tensor(value) and not isinstance(value, tf.SparseTensor):
        raise AssertionError(f"`{name}` is an ordinary dense tensor; a tf.SparseTensor stores only the non-zero entries.")
    assert isinstance(value, tf.SparseTensor), f"`{name}` should be a tf.SparseTensor, but it is {describe_value(value)}."


@pytest.mark.points(2)
@pytest.mark.hints(
    "A sparse tensor is described by three things: where the values are, what they are, and the full shape.",
    "tf.SparseTensor(indices=..., values=..., dense_shape=...): list the indices in reading order (row by row), and use float values.",
    "tf.SparseTensor(indices=[[0, 1], [1, 0], [2, 3]], values=[1.0, 2.0, 3.0], dense_shape=[3, 4])",
)
@pytest.mark.needs("sparse")
def check_sparse(learner):
    """`sparse` is a float32 SparseTensor of shape (3, 4) with the three given values"""
    sparse = learner["sparse"]
    _sparse_or_fail("sparse", sparse)
    shape = tuple(int(d) for d in to_numpy(sparse.dense_shape))
    assert shape == (3, 4), f"`sparse` has dense shape {shape}; expected (3, 4)."
    assert sparse.dtype == tf.float32, f"`sparse` holds {sparse.dtype.name} values; expected float32 (write 1.0, not 1)."
    ordered = tf.sparse.reorder(sparse)
    assert np.array_equal(to_numpy(ordered.indices), to_numpy(sparse.indices)), (
        "The indices of `sparse` are not in row-major (reading) order, so tf.sparse.to_dense and many other "
        "operations reject it. List them row by row, or pass the tensor through tf.sparse.reorder."
    )
    assert_tensors_close(tf.sparse.to_dense(sparse), SPARSE_DENSE, what="`sparse` as a dense tensor")


@pytest.mark.points(1)
@pytest.mark.hints(
    "The tf.sparse module has functions to go from sparse to dense and back.",
    "sparse_dense = tf.sparse.to_dense(sparse)",
)
@pytest.mark.needs("sparse", "sparse_dense")
def check_sparse_round_trip(learner, observations):
    """`sparse_dense` is the dense form of `sparse`, and converts back to it"""
    assert not typed_in(observations, "sparse_dense"), (
        "`sparse_dense` is typed in as a constant; the exercise asks you to compute it from `sparse` (tf.sparse has the conversion)."
    )
    sparse, dense = learner["sparse"], learner["sparse_dense"]
    _dense_tensor("sparse_dense", dense)
    assert_tensors_close(dense, SPARSE_DENSE, what="`sparse_dense`")
    back = tf.sparse.from_dense(dense)
    _sparse_or_fail("sparse", sparse)
    assert np.array_equal(to_numpy(back.indices), to_numpy(tf.sparse.reorder(sparse).indices)) and np.allclose(
        to_numpy(back.values), to_numpy(tf.sparse.reorder(sparse).values)
    ), "Converting `sparse_dense` back with tf.sparse.from_dense does not give `sparse` again."


@pytest.mark.points(2)
@pytest.mark.hints(
    "A ragged tensor is a list of rows that may have different lengths, an empty row included.",
    "tf.ragged.constant takes a nested Python list directly; integers give int32.",
    "tf.ragged.constant([[1, 2, 3], [4], [], [5, 6]])",
)
@pytest.mark.needs("ragged")
def check_ragged(learner):
    """`ragged` is an int32 RaggedTensor with rows [1, 2, 3], [4], [], [5, 6]"""
    ragged = learner["ragged"]
    if tf.is_tensor(ragged) and not isinstance(ragged, tf.RaggedTensor):
        raise AssertionError(
            f"`ragged` is {describe_value(ragged)} of shape {tuple(ragged.shape)}: every row has the same length. "
            "A tf.RaggedTensor lets each row keep its own length, without padding."
        )
    assert isinstance(ragged, tf.RaggedTensor), f"`ragged` should be a tf.RaggedTensor, but it is {describe_value(ragged)}."
    assert ragged.dtype == tf.int32, f"`ragged` holds {ragged.dtype.name} values; expected int32."
    lengths = to_numpy(ragged.row_lengths()).tolist() if ragged.ragged_rank == 1 else None
    assert lengths == [3, 1, 0, 2], (
        f"`ragged` has rows of lengths {lengths}; expected [3, 1, 0, 2] (the third row is empty)."
    )
    assert ragged.to_list() == RAGGED_ROWS, f"`ragged` holds {ragged.to_list()}; expected {RAGGED_ROWS}."


@pytest.mark.points(1)
@pytest.mark.hints(
    "A RaggedTensor has a method that pads it into an ordinary tensor.",
    "ragged_dense = ragged.to_tensor() pads with zeros by default.",
)
@pytest.mark.needs("ragged", "ragged_dense")
def check_ragged_round_trip(learner, observations):
    """`ragged_dense` is `ragged` padded with zeros, and converts back to it"""
    assert not typed_in(observations, "ragged_dense"), (
        "`ragged_dense` is typed in as a constant; the exercise asks you to compute it from `ragged` (a RaggedTensor has a method for it)."
    )
    ragged, dense = learner["ragged"], learner["ragged_dense"]
    _dense_tensor("ragged_dense", dense)
    got = to_numpy(dense)
    assert got.shape == RAGGED_DENSE.shape, f"`ragged_dense` has shape {got.shape}; expected {RAGGED_DENSE.shape} (4 rows, as long as the longest)."
    assert np.array_equal(got, RAGGED_DENSE), f"`ragged_dense` holds {got.tolist()}; expected {RAGGED_DENSE.tolist()} (padded with zeros)."
    assert isinstance(ragged, tf.RaggedTensor), "`ragged` is not a tf.RaggedTensor, so it cannot be rebuilt from `ragged_dense`."
    back = tf.RaggedTensor.from_tensor(dense, lengths=ragged.row_lengths())
    assert back.to_list() == ragged.to_list(), "Rebuilding a ragged tensor from `ragged_dense` and the row lengths does not give `ragged` again."


@pytest.mark.points(1)
@pytest.mark.hints(
    "A tensor of Python strings has dtype tf.string.",
    "words = tf.constant([\"café\", \"tensor\", \"flow\"])",
)
@pytest.mark.needs("words")
def check_words(learner):
    """`words` is a string tensor holding "café", "tensor", "flow\""""
    words = learner["words"]
    assert tf.is_tensor(words), f"`words` should be a tf.Tensor, but it is {describe_value(words)}."
    assert words.dtype == tf.string, f"`words` has dtype {words.dtype.name}; expected tf.string."
    got = [w.decode("utf-8") for w in to_numpy(words).reshape(-1).tolist()]
    assert tuple(words.shape) == (3,) and got == WORDS, f"`words` holds {got} with shape {tuple(words.shape)}; expected {WORDS}, shape (3,)."


@pytest.mark.points(1)
@pytest.mark.hints(
    "TensorFlow stores strings as UTF-8 bytes, and 'é' takes two bytes.",
    "tf.strings.length counts bytes unless you tell it which unit to count.",
    "tf.strings.length(words, unit=\"UTF8_CHAR\")",
)
@pytest.mark.needs("word_lengths")
def check_word_lengths(learner, observations):
    """`word_lengths` counts characters with tf.strings: [4, 6, 4]"""
    assert not typed_in(observations, "word_lengths"), (
        "`word_lengths` is typed in as a constant; the exercise asks you to compute it from `words` with a tf.strings function."
    )
    lengths = learner["word_lengths"]
    assert tf.is_tensor(lengths), f"`word_lengths` should be a tf.Tensor, but it is {describe_value(lengths)}."
    got = to_numpy(lengths).tolist()
    if got == [5, 6, 4]:
        raise AssertionError(
            "`word_lengths` is [5, 6, 4]: that counts bytes, and 'é' is two bytes in UTF-8. Count characters instead."
        )
    assert got == [4, 6, 4], f"`word_lengths` is {got}; expected [4, 6, 4]."


def _reason(error):
    """The line of a TensorFlow graph error that says what went wrong (not where in TensorFlow)."""
    lines = [line.strip() for line in error.message.splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(("File ", "Detected at node", "[[", "Graph execution error"))]
    return (useful or lines or ["unknown error"])[-1][:200].rstrip(".")


def _check_array(array, n):
    assert isinstance(array, tf.TensorArray), (
        f"`squares_array({n})` returned {describe_value(array)}; return the tf.TensorArray itself (not its stacked values)."
    )
    assert array.dtype == tf.float32, f"The TensorArray holds {array.dtype.name}; expected float32."


@pytest.mark.points(1)
@pytest.mark.hints(
    "tf.TensorArray(dtype, size=n) makes an array of n slots; .write(i, value) fills slot i; .stack() gives a tensor.",
    "write() returns the updated TensorArray: keep what it returns.",
    "array = tf.TensorArray(tf.float32, size=n); for i in tf.range(n): array = array.write(i, tf.cast(i * i, tf.float32)); return array",
)
@pytest.mark.needs("squares_array")
def check_tensor_array(learner):
    """`squares_array(6)` returns a float32 TensorArray holding 0, 1, 4, ..., 25"""
    array = learner["squares_array"](6)
    _check_array(array, 6)
    size = int(to_numpy(array.size()))
    assert size == 6, f"`squares_array(6)` returned a TensorArray of size {size}; expected 6."
    assert_tensors_close(array.stack(), np.arange(6.0) ** 2, what="`squares_array(6).stack()`")


@pytest.mark.points(2)
@pytest.mark.hints(
    "In a tf.function the loop becomes a graph loop: only values you reassign inside it carry over from one iteration to the next.",
    "Write `array = array.write(i, value)`: the TensorArray returned by write is the one holding the new element.",
    "Let the size follow n (size=n), not a fixed number; cast i * i to float32 before writing.",
)
@pytest.mark.needs("squares_array")
def check_tensor_array_in_graph(learner):
    """`squares_array` works inside a tf.function with a tensor `n`"""
    squares_array = learner["squares_array"]

    _check_array(squares_array(3), 3)

    @tf.function
    def stacked(n):
        array = squares_array(n)
        return array.stack() if isinstance(array, tf.TensorArray) else array

    try:
        got = to_numpy(stacked(tf.constant(7)))
    except tf.errors.OpError as exc:
        raise AssertionError(
            f"Inside a tf.function, `squares_array(7)` failed: {_reason(exc)}. "
            "Let the TensorArray's size follow n (size=n) and write each element once."
        ) from None
    expected = np.arange(7.0) ** 2
    if got.shape == expected.shape and np.allclose(got, 0):
        raise AssertionError(
            "Inside a tf.function, `squares_array(7)` gave only zeros: the writes were lost. "
            "TensorArray.write returns the updated array, and the loop must keep it (array = array.write(...))."
        )
    assert_tensors_close(got, expected, what="`squares_array(7).stack()` inside a tf.function")


@pytest.mark.points(2)
@pytest.mark.hints(
    "tf.sets works row by row on rank-2 tensors and returns a SparseTensor.",
    "Which tf.sets function keeps only the elements present in both sets?",
    "common = tf.sets.intersection(set_a, set_b); common_dense = tf.sparse.to_dense(common)",
)
@pytest.mark.needs("common", "common_dense")
def check_sets(learner, observations):
    """`common` is the row-wise intersection of `set_a` and `set_b`; `common_dense` its dense form"""
    common, dense = learner["common"], learner["common_dense"]
    assert not typed_in(observations, "common"), (
        "`common` is typed in as a constant; the exercise asks you to compute it from `set_a` and `set_b` with a tf.sets function."
    )
    assert not typed_in(observations, "common_dense"), (
        "`common_dense` is typed in as a constant; the exercise asks you to compute it from `common`."
    )
    _sparse_or_fail("common", common)
    got = to_numpy(tf.sparse.to_dense(common))
    assert got.shape == COMMON_DENSE.shape and np.array_equal(got, COMMON_DENSE), (
        f"`common` holds {got.tolist()} (as a dense tensor); expected {COMMON_DENSE.tolist()}: "
        "the elements that each row of set_a shares with the same row of set_b."
    )
    _dense_tensor("common_dense", dense)
    assert np.array_equal(to_numpy(dense), COMMON_DENSE), f"`common_dense` holds {to_numpy(dense).tolist()}; expected {COMMON_DENSE.tolist()}."
