class SignedLogRegressor(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, inputs):
        features = tf.py_function(lambda t: signed_log(t.numpy()), [inputs], tf.float32)
        features.set_shape(inputs.shape)
        return self.out(self.hidden(features))


model = SignedLogRegressor()
model.compile(loss="mse", optimizer=keras.optimizers.Adam(0.01), run_eagerly=True)
history = model.fit(X_train, y_train, epochs=2, verbose=0)

why_slower = """No graph: TensorFlow cannot optimise the computation, and nothing can be exported to TF Lite or a SavedModel for deployment. Running eagerly, every operation is dispatched from Python one at a time, so TensorFlow cannot
build a graph and apply its optimisations (pruning, fusing operations, running them in parallel), and the
Python overhead is paid at every step. And since there is no computation graph, the model cannot be exported
as a graph (SavedModel, TF Lite, TF Serving): it can only run where Python and NumPy run."""
