# mistake: call() prints a value with .numpy(), which works on an eager call but fails inside fit's graph
# caught-by: check_regressor_trains_with_fit
@keras.saving.register_keras_serializable(package="q07")
class ResidualBlock(keras.layers.Layer):
    def __init__(self, n_layers=2, n_neurons=30, **kwargs):
        super().__init__(**kwargs)
        self.n_layers = n_layers
        self.n_neurons = n_neurons
        self.hidden = [
            keras.layers.Dense(n_neurons, activation="relu", kernel_initializer="he_normal")
            for _ in range(n_layers)
        ]

    def call(self, inputs):
        Z = inputs
        for layer in self.hidden:
            Z = layer(Z)
        return inputs + Z

    def get_config(self):
        return {**super().get_config(), "n_layers": self.n_layers, "n_neurons": self.n_neurons}


@keras.saving.register_keras_serializable(package="q07")
class ResidualRegressor(keras.Model):
    def __init__(self, output_dim=1, n_neurons=30, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim
        self.n_neurons = n_neurons
        self.hidden1 = keras.layers.Dense(n_neurons, activation="relu", kernel_initializer="he_normal")
        self.block1 = ResidualBlock(2, n_neurons)
        self.block2 = ResidualBlock(2, n_neurons)
        self.out = keras.layers.Dense(output_dim)

    def call(self, inputs):
        Z = self.hidden1(inputs)
        Z = self.block1(Z)
        Z = self.block2(Z)
        print("mean activation:", Z.numpy().mean())
        return self.out(Z)

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim, "n_neurons": self.n_neurons}


model = ResidualRegressor(output_dim=1, n_neurons=16)
model.compile(loss="mse", optimizer="adam")
history = model.fit(X_train, y_train, epochs=2, verbose=0)
