class ResidualBlock(...):           # a Layer or a Model?
    def __init__(self, n_layers=2, n_neurons=30, **kwargs):
        super().__init__(**kwargs)
        ...

    def call(self, inputs):
        ...

    def get_config(self):
        ...


class ResidualRegressor(...):       # a Layer or a Model?
    def __init__(self, output_dim=1, n_neurons=30, **kwargs):
        super().__init__(**kwargs)
        ...

    def call(self, inputs):
        ...

    def get_config(self):
        ...


model = ...
