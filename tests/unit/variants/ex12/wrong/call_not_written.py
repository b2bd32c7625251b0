# build written, call() still the starter's
class LayerNormalization(keras.layers.Layer):
    def __init__(self, eps=0.001, **kwargs):
        super().__init__(**kwargs)
        self.eps = eps

    def build(self, batch_input_shape):
        self.alpha = self.add_weight(
            name="alpha", shape=batch_input_shape[-1:], initializer="ones", dtype="float32"
        )
        self.beta = self.add_weight(
            name="beta", shape=batch_input_shape[-1:], initializer="zeros", dtype="float32"
        )

    def call(self, X):
        # per-instance mean and variance
        ...

    def get_config(self):
        return {**super().get_config(), "eps": self.eps}
