class LayerNormalization(keras.layers.Layer):
    """Keras's own form: divide by sqrt(var + eps); epsilon spelled out; config via update()."""

    def __init__(self, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        features = input_shape[-1:]
        self.gamma = self.add_weight(name="alpha", shape=features, initializer=keras.initializers.Ones(),
                                     trainable=True, dtype=tf.float32)
        self.offset = self.add_weight(name="beta", shape=features, initializer=keras.initializers.Zeros(),
                                      trainable=True, dtype=tf.float32)
        super().build(input_shape)

    def call(self, inputs, training=None):
        mu, var = tf.nn.moments(inputs, axes=[-1], keepdims=True)
        return self.gamma * (inputs - mu) * tf.math.rsqrt(var + self.epsilon) + self.offset

    def get_config(self):
        config = super().get_config()
        config.update({"epsilon": self.epsilon})
        return config
