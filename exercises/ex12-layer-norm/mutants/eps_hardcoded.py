# mistake: stores eps but call() divides by std + 0.001 whatever epsilon the layer was given
# caught-by: check_epsilon_used
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
        mean, variance = tf.nn.moments(X, axes=-1, keepdims=True)
        return self.alpha * (X - mean) / (tf.sqrt(variance) + 0.001) + self.beta

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "eps": self.eps}
