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

true_statements = {1, 3, 6}
