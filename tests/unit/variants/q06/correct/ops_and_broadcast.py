@tf.keras.utils.register_keras_serializable(package="course")
class HuberMetric(tf.keras.metrics.Metric):
    def __init__(self, threshold=1.0, name="huber_metric", dtype="float32", **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.threshold = threshold
        self.weighted_sum = self.add_weight(name="weighted_sum", shape=(), initializer="zeros", dtype="float32")
        self.weight_sum = self.add_weight(name="weight_sum", shape=(), initializer=tf.keras.initializers.Zeros())

    def update_state(self, y_true, y_pred, sample_weight=None):
        error = tf.cast(y_true, "float32") - tf.cast(y_pred, "float32")
        abs_error = tf.math.abs(error)
        values = tf.where(abs_error < self.threshold, 0.5 * error ** 2,
                          self.threshold * abs_error - 0.5 * self.threshold ** 2)
        if sample_weight is None:
            sample_weight = tf.ones_like(values)
        else:
            sample_weight = tf.cast(sample_weight, "float32")
            sample_weight = tf.broadcast_to(tf.reshape(sample_weight, [-1] + [1] * (len(values.shape) - 1)), tf.shape(values))
        self.weighted_sum.assign_add(tf.reduce_sum(sample_weight * values))
        self.weight_sum.assign_add(tf.reduce_sum(sample_weight))

    def result(self):
        return self.weighted_sum / self.weight_sum

    def reset_state(self):
        for variable in self.variables:
            variable.assign(tf.zeros_like(variable))

    def get_config(self):
        return dict(**super().get_config(), threshold=self.threshold)
