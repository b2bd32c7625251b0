# mistake: __init__ takes no **kwargs, so from_config (and reloading) fails on name and reduction
# caught-by: check_get_config
@keras.saving.register_keras_serializable()
class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0):
        super().__init__()
        self.threshold = threshold

    def call(self, y_true, y_pred):
        error = y_true - y_pred
        is_small = tf.abs(error) < self.threshold
        squared = tf.square(error) / 2
        linear = self.threshold * tf.abs(error) - self.threshold ** 2 / 2
        return tf.where(is_small, squared, linear)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
