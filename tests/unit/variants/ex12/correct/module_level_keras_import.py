from keras import layers, initializers
import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="course")
class LayerNormalization(layers.Layer):
    def __init__(self, eps: float = 0.001, **kwargs):
        self.eps = eps
        super().__init__(**kwargs)

    def build(self, batch_input_shape):
        n = batch_input_shape[-1]
        self.alpha = self.add_weight(shape=(n,), initializer=initializers.Ones(), name="alpha")
        self.beta = self.add_weight(shape=(n,), initializer=initializers.Zeros(), name="beta")
        self.built = True

    def call(self, X):
        mean, variance = tf.nn.moments(X, axes=-1, keepdims=True)
        std = tf.sqrt(variance)
        return self.alpha * (X - mean) / (std + self.eps) + self.beta

    def get_config(self):
        return {**super().get_config(), "eps": self.eps}
