# mistake: the NumPy step was removed from call so that the model runs as a graph
# caught-by: check_call_runs_the_numpy_step
class SignedLogRegressor(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, inputs):
        return self.out(self.hidden(inputs))


model = SignedLogRegressor()
model.compile(loss="mse", optimizer=keras.optimizers.Adam(0.01), run_eagerly=True)
history = model.fit(X_train, y_train, epochs=2, verbose=0)

true_statements = {1, 3, 6}
