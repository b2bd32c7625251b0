class LayerNormalization(keras.layers.Layer):
    def __init__(self, eps=0.001, **kwargs):
        super().__init__(**kwargs)
        # keep eps for call() and get_config()

    def build(self, batch_input_shape):
        # create the trainable weights alpha (ones) and beta (zeros), shape batch_input_shape[-1:]
        ...

    def call(self, X):
        # per-instance mean and variance over the last axis, then alpha * (X - mean) / (std + eps) + beta
        ...

    def get_config(self):
        ...
