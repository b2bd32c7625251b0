# mistake: hands the work to Keras's own Huber function instead of computing the two pieces
# caught-by: check_matches_reference
@keras.saving.register_keras_serializable()
class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold

    def call(self, y_true, y_pred):
        return keras.losses.huber(y_true[..., None], y_pred[..., None], delta=self.threshold)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
