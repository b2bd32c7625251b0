class LayerNormalization(keras.layers.Layer):
    """keras.ops for the statistics (Keras 3 style), add_weight with a DType object and tuple shape."""

    def __init__(self, *, eps=0.001, **kwargs):
        super().__init__(**kwargs)
        self.eps = float(eps)

    def build(self, input_shape):
        self.alpha = self.add_weight(name="alpha", shape=(input_shape[-1],), initializer="ones", dtype=tf.float32)
        self.beta = self.add_weight(name="beta", shape=(input_shape[-1],), initializer="zeros", dtype=tf.float32)

    def call(self, X):
        mean = keras.ops.mean(X, axis=-1, keepdims=True)
        variance = keras.ops.var(X, axis=-1, keepdims=True)
        return self.alpha * (X - mean) / (keras.ops.sqrt(variance) + self.eps) + self.beta

    def get_config(self):
        base = super().get_config()
        base["eps"] = self.eps
        return base
