# mistake: update_state adds each batch's mean and counts batches, so result is the mean of batch values
# caught-by: check_streaming
@keras.saving.register_keras_serializable()
class HuberMetric(keras.metrics.Metric):
    def __init__(self, threshold=1.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold
        self.total = self.add_weight(name="total", initializer="zeros")
        self.count = self.add_weight(name="count", initializer="zeros")

    def huber(self, y_true, y_pred):
        error = tf.cast(y_true, tf.float32) - tf.cast(y_pred, tf.float32)
        is_small = tf.abs(error) < self.threshold
        return tf.where(is_small, tf.square(error) / 2, self.threshold * tf.abs(error) - self.threshold ** 2 / 2)

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self.huber(y_true, y_pred)
        if sample_weight is None:
            weights = tf.ones_like(values)
        else:
            weights = tf.reshape(tf.cast(sample_weight, tf.float32), tf.shape(values))
        self.total.assign_add(tf.reduce_sum(values * weights) / tf.reduce_sum(weights))
        self.count.assign_add(1.0)

    def result(self):
        return tf.math.divide_no_nan(self.total, self.count)

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
