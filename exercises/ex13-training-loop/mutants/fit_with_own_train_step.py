# mistake: overrides train_step with the two optimizers, then lets Keras's fit run the training instead of a loop of its own
# caught-by: check_two_optimizers
class TwoOptimizerModel(keras.Model):

    def __init__(self, lower, upper, **kwargs):
        super().__init__(**kwargs)
        self.lower, self.upper = lower, upper

    def call(self, X, training=False):
        return self.upper(self.lower(X, training=training), training=training)

    def compile(self, lower_optimizer, upper_optimizer, **kwargs):
        super().compile(**kwargs)
        self.lower_optimizer, self.upper_optimizer = lower_optimizer, upper_optimizer

    def train_step(self, data):
        X, y = data
        with tf.GradientTape() as tape:
            y_pred = self(X, training=True)
            loss = self.compute_loss(x=X, y=y, y_pred=y_pred)
        lower_vars = self.lower.trainable_variables
        upper_vars = self.upper.trainable_variables
        grads = tape.gradient(loss, lower_vars + upper_vars)
        self.lower_optimizer.apply_gradients(zip(grads[:len(lower_vars)], lower_vars))
        self.upper_optimizer.apply_gradients(zip(grads[len(lower_vars):], upper_vars))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


lower_layers = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(100, activation="relu")])
upper_layers = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model = TwoOptimizerModel(lower_layers, upper_layers)
model.compile(keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), keras.optimizers.Nadam(learning_rate=0.002),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(X_train, y_train, epochs=3, validation_data=(X_valid, y_valid))
