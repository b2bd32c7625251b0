# mistake: call uses NumPy (np.abs, np.where), which works eagerly but not on the symbolic tensors of model.fit
# caught-by: check_trains
@keras.saving.register_keras_serializable()
class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold

    def call(self, y_true, y_pred):
        error = y_true - y_pred
        is_small = np.abs(error) < self.threshold
        squared = np.square(error) / 2
        linear = self.threshold * np.abs(error) - self.threshold ** 2 / 2
        return np.where(is_small, squared, linear)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
