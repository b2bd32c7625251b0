class SignedLogRegressor(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        ...

    def call(self, inputs):
        ...


model = SignedLogRegressor()
model.compile(...)
history = ...

why_slower = """..."""
