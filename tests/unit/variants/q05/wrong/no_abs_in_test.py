# tests error < t without the absolute value
@keras.saving.register_keras_serializable()
class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold

    def call(self, y_true, y_pred):
        error = y_true - y_pred
        is_small = error < self.threshold
        squared = tf.square(error) / 2
        linear = self.threshold * tf.abs(error) - self.threshold ** 2 / 2
        return tf.where(is_small, squared, linear)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
