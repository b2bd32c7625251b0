# accepted: printed lines instead of tqdm, a tf.function step, one Sequential split by index, logits
model = keras.Sequential([
    keras.Input(shape=(28, 28)), keras.layers.Flatten(),
    keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10),
])
lower_vars = model.layers[1].trainable_variables
upper_vars = model.layers[2].trainable_variables
opt_lower = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
opt_upper = keras.optimizers.Adam(learning_rate=0.003)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
train_loss, train_acc = keras.metrics.Mean(), keras.metrics.SparseCategoricalAccuracy()


@tf.function
def train_step(X, y):
    with tf.GradientTape(persistent=True) as tape:
        logits = model(X, training=True)
        loss = loss_fn(y, logits)
    opt_lower.apply_gradients(zip(tape.gradient(loss, lower_vars), lower_vars))
    opt_upper.apply_gradients(zip(tape.gradient(loss, upper_vars), upper_vars))
    train_loss.update_state(loss)
    train_acc.update_state(y, logits)


n_steps = len(X_train) // 32
for epoch in range(1, 4):
    idx = np.random.permutation(len(X_train))
    for step in range(1, n_steps + 1):
        b = idx[(step - 1) * 32: step * 32]
        train_step(X_train[b], y_train[b])
        print(f"Epoch {epoch} step {step}/{n_steps} - loss: {train_loss.result():.4f}"
              f" - acc: {train_acc.result():.4f}", end="\r")
    logits = model(X_valid)
    print(f"\nEpoch {epoch} val_loss: {float(loss_fn(y_valid, logits)):.4f}"
          f" val_acc: {float(np.mean(np.argmax(logits, 1) == y_valid)):.4f}")
    train_loss.reset_state()
    train_acc.reset_state()
