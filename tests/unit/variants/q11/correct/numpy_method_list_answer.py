class SignedLogRegressor(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = tf.keras.layers.Dense(16, activation="relu")
        self.out = tf.keras.layers.Dense(1)

    def call(self, inputs, training=None):
        values = inputs.numpy() if hasattr(inputs, "numpy") else np.asarray(inputs)
        squashed = tf.constant(signed_log(values), dtype=tf.float32)
        return self.out(self.hidden(squashed))


model = SignedLogRegressor()
model.compile(optimizer="adam", loss="mean_squared_error", run_eagerly=True)
history = model.fit(X_train, y_train, epochs=2, verbose=0)
true_statements = [6, 3, 1]
