class LayerNormalization(tf.keras.layers.Layer):
    """Legacy tf.keras spelling, statistics with tf.reduce_mean / tf.math.reduce_std, a helper method."""

    def __init__(self, eps=0.001, name=None, **kwargs):
        super(LayerNormalization, self).__init__(name=name, **kwargs)
        self.eps = eps

    def build(self, batch_input_shape):
        shape = tf.TensorShape(batch_input_shape)[-1:]
        self.alpha = self.add_weight(name="alpha", shape=shape, initializer="ones")
        self.beta = self.add_weight(name="beta", shape=shape, initializer="zeros")
        super().build(batch_input_shape)

    def _standardize(self, X):
        mean = tf.reduce_mean(X, axis=-1, keepdims=True)
        std = tf.math.reduce_std(X, axis=-1, keepdims=True)
        return tf.math.divide(tf.math.subtract(X, mean), std + self.eps)

    def call(self, X):
        return tf.math.add(tf.math.multiply(self.alpha, self._standardize(X)), self.beta)

    def get_config(self):
        return dict(super().get_config(), eps=self.eps)
