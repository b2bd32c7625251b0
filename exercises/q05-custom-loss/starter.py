@keras.saving.register_keras_serializable()
class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        ...

    def call(self, y_true, y_pred):
        ...

    def get_config(self):
        ...
