@keras.saving.register_keras_serializable(package="course")
class HuberLoss(keras.losses.Loss):
    """Huber loss with its threshold kept in the config."""

    def __init__(self, threshold=1.0, name="huber_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.threshold = float(threshold)

    def _pieces(self, error):
        quadratic = 0.5 * keras.ops.square(error)
        linear = self.threshold * keras.ops.abs(error) - 0.5 * self.threshold ** 2
        return quadratic, linear

    def call(self, y_true, y_pred):
        y_true = tf.cast(y_true, y_pred.dtype)
        error = y_true - y_pred
        quadratic, linear = self._pieces(error)
        return tf.where(tf.math.abs(error) <= self.threshold, quadratic, linear)

    def get_config(self):
        config = super().get_config()
        config.update({"threshold": self.threshold})
        return config
