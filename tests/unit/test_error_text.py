"""error_text: any exception becomes one readable learner-facing line (real TensorFlow errors included)."""

from __future__ import annotations

import pytest
import tensorflow as tf

from tfgrade.error_text import (clean_text, exception_message, explain_tf_error, learner_names,
                                missing_setup_name, safe_text, setup_names)


def _raised(fn) -> BaseException:
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001 - the test inspects it
        return exc
    raise AssertionError("nothing was raised")


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no text for you")

    __repr__ = __str__


def test_an_exception_whose_str_and_repr_raise_still_has_a_message():
    assert safe_text(Unprintable()) == "Unprintable (its message could not be shown: turning it into text failed)"
    assert exception_message(Unprintable("kept")) == "kept"          # its arguments are still readable


def test_an_empty_message_falls_back_to_the_repr():
    assert safe_text(RuntimeError()) == "RuntimeError()"


def test_keras_call_wrapper_is_removed():
    wrapped = ("Exception encountered when calling LayerNormalization.call().\n\n\x1b[1mthe real problem\x1b[0m\n\n"
               "Arguments received by LayerNormalization.call():\n  • X=tf.Tensor(shape=(8, 10), dtype=float32)")
    assert exception_message(ValueError(wrapped)) == "the real problem"


def test_frames_and_machine_paths_are_removed():
    text = ('Traceback (most recent call last):\n'
            '  File "/usr/lib/python3/site-packages/_pytest/python.py", line 12, in f\n'
            "boom in /home/someone/course/exercises/ex12/checks.py")
    assert clean_text(text) == "boom in checks.py"


def test_fixed_size_tensor_array_written_past_its_end_eager_and_graph():
    def eager():
        array = tf.TensorArray(tf.float32, size=2)
        for i in range(3):
            array = array.write(i, 1.0)

    @tf.function
    def graph():
        array = tf.TensorArray(tf.float32, size=2)
        for i in tf.range(3):
            array = array.write(i, 1.0)
        return array.stack()

    for fn in (eager, graph):
        message = exception_message(_raised(fn))
        assert message == ("A TensorArray of fixed size 2 was written at index 2, past its end. To fix it: create it "
                           "with `dynamic_size=True`, or give `size=` the number of elements you write."), fn


def test_matmul_shape_mismatch_eager_and_in_a_function():
    eager = exception_message(_raised(lambda: tf.matmul(tf.ones([2, 3]), tf.ones([4, 5]))))
    assert eager.startswith("tf.matmul got shapes [2,3] and [4,5]: the last dimension of the first (3) must equal "
                            "the first dimension of the second (4).")
    assert "transpose_b=True" in eager
    traced = exception_message(_raised(lambda: tf.function(lambda x: tf.matmul(x, tf.ones([4, 5])))(tf.ones([2, 3]))))
    assert traced.startswith("tf.matmul got shapes [2,3], [4,5] whose inner dimensions (3 and 4) differ.")
    for message in (eager, traced):
        assert "{{" not in message and "Op:" not in message and ".py" not in message and "/job:" not in message


@pytest.mark.parametrize("fn, expected", [
    (lambda: tf.ones([2, 3]) + tf.ones([4]), "Shapes [2,3] and [4] cannot be combined element-wise."),
    (lambda: tf.ones([2, 3]) + tf.ones([2, 3], tf.int32), "+ (tf.add) mixed a float tensor with a int32 tensor."),
    (lambda: tf.reshape(tf.ones([2, 3]), [4]), "tf.reshape cannot fit 6 values into a shape that holds 4."),
])
def test_other_raw_tensorflow_errors(fn, expected):
    message = exception_message(_raised(fn))
    assert message.startswith(expected + " To fix it: "), message


def test_an_unknown_tensorflow_error_keeps_its_last_meaningful_line_only():
    exc = tf.errors.InvalidArgumentError(None, None, "{{function_node __wrapped__X_device_/job:localhost}} "
                                         "something odd happened [Op:Frobnicate] name: ")
    assert explain_tf_error(exc) == "something odd happened"
    assert explain_tf_error(ValueError("plain")) is None


def test_tensorflow_internal_names_read_as_the_learner_writes_them():
    assert learner_names("tensorflow.python.ops.math_ops.argmax_v2 was used") == "tf.argmax was used"
    assert learner_names("got tensorflow.argmax_v2") == "got tf.argmax"
    assert learner_names(f"where f = {tf.argmax!r}") == "where f = tf.argmax"
    assert learner_names("<function my_own at 0x7f00>") == "<function my_own at 0x7f00>"


def test_setup_names_and_the_name_error_they_explain():
    class Exercise:
        short_id, title = "q09", "Graph rules"

    names = setup_names("import numpy as np\nimport tensorflow as tf\nx_demo = tf.constant(1)\n"
                        "def helper():\n    inner = 1\nfor i in range(2):\n    pass\n")
    assert names == {"np", "tf", "x_demo", "helper", "i"}
    message = missing_setup_name("name 'x_demo' is not defined", names, Exercise())
    assert message.startswith("`x_demo` is made by the setup cell of exercise q09 (Graph rules)")
    assert "run the setup cell first" in message
    assert missing_setup_name("name 'mine' is not defined", names, Exercise()) is None
    assert setup_names("def broken(:\n") == frozenset()
