# mistake: call uses a fixed threshold of 1.0 instead of self.threshold
# caught-by: check_threshold_respected
@keras.saving.register_keras_serializable()
class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold

    def call(self, y_true, y_pred):
        error = y_true - y_pred
        is_small = tf.abs(error) < 1.0
        squared = tf.square(error) / 2
        linear = tf.abs(error) - 0.5
        return tf.where(is_small, squared, linear)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
