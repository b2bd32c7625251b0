# mistake: hands the normalisation to Keras's own layer_normalization instead of computing it
# caught-by: check_output_matches_keras
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
        return keras.ops.layer_normalization(X, gamma=self.alpha, beta=self.beta, epsilon=self.eps)

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "eps": self.eps}
