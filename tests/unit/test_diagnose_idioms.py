"""Static scan of the cell for Keras-2-only idioms and graph-unfriendly calls."""

from __future__ import annotations

import textwrap

from tfgrade.diagnose.idioms import scan_source


def scan(source: str) -> list:
    return scan_source(textwrap.dedent(source), line_offset=1)


def test_clean_keras3_cell_has_no_findings():
    assert scan("""\
        import keras
        class Scale(keras.layers.Layer):
            def build(self, shape):
                self.w = self.add_weight(name="w", shape=(shape[-1],), initializer="ones")
            def call(self, x):
                return x * self.w
        metric = keras.metrics.Mean()
        metric.reset_state()
        opt = keras.optimizers.Adam(learning_rate=0.1)
        model = keras.Sequential([Scale()])
        model.compile(optimizer=opt, loss="mse")
        model.save("model.keras")
        model.save_weights("model.weights.h5")
        np.save("data", x)
    """) == []


def test_keras2_idioms_each_name_the_new_spelling():
    found = scan("""\
        import keras
        import tensorflow as tf
        class Old(keras.layers.Layer):
            def __init__(self):
                super().__init__(dynamic=True)
            def build(self, shape):
                self.w = self.add_weight("w", (3,))
        metric.reset_states()
        opt = keras.optimizers.Adam(lr=0.01)
        model.fit_generator(gen)
        model.save("my_model")
        legacy = keras.optimizers.legacy.SGD()
        f = tf.function(g, experimental_relax_shapes=True)
    """)
    by_idiom = {d.details["idiom"]: d for d in found}
    assert set(by_idiom) == {"dynamic", "add_weight", "reset_states", "lr", "fit_generator", "save",
                             "optimizers.legacy", "experimental_relax_shapes"}
    assert all(d.kind == "keras2-idiom" for d in found)
    assert by_idiom["dynamic"].line == 6 and by_idiom["dynamic"].severity == "warning"
    assert "name='w'" in by_idiom["add_weight"].fix and by_idiom["add_weight"].line == 8
    assert "reset_state()" in by_idiom["reset_states"].fix
    assert "learning_rate" in by_idiom["lr"].fix
    assert ".fit(" in by_idiom["fit_generator"].fix
    assert "model.keras" in by_idiom["save"].fix
    assert "reduce_retracing" in by_idiom["experimental_relax_shapes"].fix
    assert [d.line for d in found] == sorted(d.line for d in found)


def test_run_eagerly_and_py_function_are_reported_as_info():
    found = scan("""\
        model.compile(optimizer="adam", loss="mse", run_eagerly=True)
        y = tf.py_function(func=np.sin, inp=[x], Tout=tf.float32)
        z = tf.numpy_function(np.cos, [x], tf.float32)
        model.compile(run_eagerly=False)
    """)
    assert [(d.kind, d.line, d.severity) for d in found] == [
        ("run-eagerly", 2, "info"), ("py-function", 3, "info"), ("py-function", 4, "info")]
    assert "graph" in found[1].fix


def test_ipython_lines_do_not_hide_findings_and_bad_syntax_is_quiet():
    found = scan("""\
        %time x = 1
        !ls
        metric.reset_states()
    """)
    assert [(d.details["idiom"], d.line) for d in found] == [("reset_states", 4)]
    assert scan("def broken(:\n    pass\n") == []
    assert scan_source("") == []
