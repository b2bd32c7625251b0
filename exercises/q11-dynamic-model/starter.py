class SignedLogRegressor(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        ...

    def call(self, inputs):
        ...


model = SignedLogRegressor()
model.compile(...)
history = ...

# the numbers of the true statements, e.g. {2, 5}
true_statements = ...
