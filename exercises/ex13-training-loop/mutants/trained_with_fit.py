# mistake: model.fit trains the whole model with one optimizer instead of a custom loop with two
# caught-by: check_two_optimizers, check_lower_and_upper_layers
lower_layers = keras.Sequential([
    keras.Input(shape=(28, 28)),
    keras.layers.Flatten(),
    keras.layers.Dense(100, activation="relu"),
], name="lower_layers")
upper_layers = keras.Sequential([
    keras.layers.Dense(10, activation="softmax"),
], name="upper_layers")
model = keras.Sequential([lower_layers, upper_layers])
model.compile(optimizer=keras.optimizers.Nadam(learning_rate=0.002),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(X_train, y_train, epochs=3, batch_size=32, validation_data=(X_valid, y_valid), verbose=2)
