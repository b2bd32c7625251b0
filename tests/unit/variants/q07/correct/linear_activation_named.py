import keras
from keras import layers


@keras.saving.register_keras_serializable(package="mine")
class ResidualBlock(layers.Layer):
    def __init__(self, n_layers=2, n_neurons=30, **kwargs):
        super().__init__(**kwargs)
        self.n_layers = n_layers
        self.n_neurons = n_neurons
        self.hidden = [layers.Dense(n_neurons, activation="relu", kernel_initializer="he_normal") for _ in range(n_layers)]

    def call(self, inputs):
        out = inputs
        for layer in self.hidden:
            out = layer(out)
        return out + inputs

    def get_config(self):
        return dict(super().get_config(), n_layers=self.n_layers, n_neurons=self.n_neurons)


@keras.saving.register_keras_serializable(package="mine")
class ResidualRegressor(keras.Model):
    def __init__(self, output_dim=1, n_neurons=30, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim
        self.n_neurons = n_neurons
        self.hidden1 = layers.Dense(n_neurons, activation="relu", kernel_initializer="he_normal")
        self.block1 = ResidualBlock(n_layers=2, n_neurons=n_neurons)
        self.block2 = ResidualBlock(n_layers=2, n_neurons=n_neurons)
        self.out = layers.Dense(output_dim, activation="linear")

    def call(self, inputs):
        return self.out(self.block2(self.block1(self.hidden1(inputs))))

    def get_config(self):
        base = super().get_config()
        return {**base, "output_dim": self.output_dim, "n_neurons": self.n_neurons}


model = ResidualRegressor(n_neurons=8)
model.compile(loss="mean_squared_error", optimizer="nadam")
history = model.fit(X_train, y_train, epochs=2, verbose=0)
