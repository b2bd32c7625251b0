# mistake: switches the whole kernel to eager mode around fit instead of compiling this model with run_eagerly=True
# caught-by: check_compiled_to_run_eagerly
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
model.compile(loss="mse", optimizer=keras.optimizers.Adam(0.01))
tf.config.run_functions_eagerly(True)
history = model.fit(X_train, y_train, epochs=2, verbose=0)
tf.config.run_functions_eagerly(False)

true_statements = {1, 3, 6}
