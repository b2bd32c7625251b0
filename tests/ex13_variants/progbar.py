# accepted: keras.utils.Progbar, which averages the batch values itself; "Epoch k/N" printed above
lower = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                          keras.layers.Dense(100, activation="relu")])
upper = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model = keras.Sequential([lower, upper])
optimizers = [keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), keras.optimizers.Nadam(learning_rate=0.002)]
loss_fn = keras.losses.SparseCategoricalCrossentropy()
n_steps = len(X_train) // 32
for epoch in range(1, 4):
    print(f"Epoch {epoch}/3")
    progbar = keras.utils.Progbar(n_steps)
    idx = np.random.permutation(len(X_train))
    for step in range(1, n_steps + 1):
        b = idx[(step - 1) * 32: step * 32]
        with tf.GradientTape(persistent=True) as tape:
            y_pred = model(X_train[b], training=True)
            loss = loss_fn(y_train[b], y_pred)
        for part, opt in zip((lower, upper), optimizers):
            opt.apply_gradients(zip(tape.gradient(loss, part.trainable_variables), part.trainable_variables))
        acc = np.mean(np.argmax(y_pred, axis=1) == y_train[b])
        values = [("loss", float(loss)), ("accuracy", acc)]
        if step < n_steps:
            progbar.update(step, values=values)
    y_valid_pred = model(X_valid)
    progbar.update(n_steps, values=values + [
        ("val_loss", float(loss_fn(y_valid, y_valid_pred))),
        ("val_accuracy", float(np.mean(np.argmax(y_valid_pred, axis=1) == y_valid)))])
