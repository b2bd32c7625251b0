@keras.saving.register_keras_serializable()
class ResidualBlock(keras.layers.Layer):
    def __init__(self, n_layers=2, n_neurons=30, **kwargs):
        super().__init__(**kwargs)
        self.n_layers, self.n_neurons = n_layers, n_neurons
        self.dense_layers = []
        for _ in range(n_layers):
            self.dense_layers.append(keras.layers.Dense(n_neurons, activation=keras.activations.relu))

    def call(self, inputs):
        z = inputs
        for dense in self.dense_layers:
            z = dense(z)
        return keras.layers.add([inputs, z])

    def get_config(self):
        config = super().get_config()
        config.update(n_layers=self.n_layers, n_neurons=self.n_neurons)
        return config


@keras.saving.register_keras_serializable()
class ResidualRegressor(keras.Model):
    def __init__(self, output_dim=1, n_neurons=30, **kwargs):
        super().__init__(**kwargs)
        self.output_dim, self.n_neurons = output_dim, n_neurons
        self.entry = keras.layers.Dense(n_neurons, activation="relu")
        self.blocks = [ResidualBlock(2, n_neurons) for _ in range(2)]
        self.head = keras.layers.Dense(output_dim, activation=None)

    def call(self, inputs, training=None):
        z = self.entry(inputs)
        for block in self.blocks:
            z = block(z)
        return self.head(z)

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim, "n_neurons": self.n_neurons}


model = ResidualRegressor()
model.compile(loss=keras.losses.MeanSquaredError(), optimizer=keras.optimizers.SGD(learning_rate=1e-3))
model.fit(X_train, y_train, epochs=1, batch_size=64, verbose=0)
