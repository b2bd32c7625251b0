# takes the myth that run_eagerly affects every tf.function
class SignedLogRegressor(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, inputs):
        squashed = signed_log(np.asarray(inputs))      # plain NumPy: needs concrete values
        features = tf.convert_to_tensor(squashed, dtype=tf.float32)
        return self.out(self.hidden(features))


model = SignedLogRegressor()
model.compile(loss="mse", optimizer=keras.optimizers.Adam(0.01), run_eagerly=True)
history = model.fit(X_train, y_train, epochs=2, verbose=0)

# 2: a graph is faster for repeated steps; 4: eager mode computes the same numbers; 5: only this model.
true_statements = {1, 3, 5, 6}
