# accepted: tf.keras spellings, the loop in functions, Adam below and RMSprop above, metrics reset at epoch start
def build_model():
    bottom = tf.keras.Sequential([tf.keras.layers.Input(shape=(28, 28)), tf.keras.layers.Flatten(),
                                  tf.keras.layers.Dense(128, activation="relu"),
                                  tf.keras.layers.Dense(64, activation="relu")], name="bottom")
    top = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")], name="top")
    return bottom, top, tf.keras.Sequential([bottom, top])


bottom, top, net = build_model()
bottom_opt = tf.keras.optimizers.Adam(learning_rate=1e-3)
top_opt = tf.keras.optimizers.RMSprop(learning_rate=1e-3)
xent = tf.keras.losses.SparseCategoricalCrossentropy()
avg_loss = tf.keras.metrics.Mean(name="loss")
avg_acc = tf.keras.metrics.SparseCategoricalAccuracy(name="acc")


def train_step(X, y):
    with tf.GradientTape() as tape:
        probs = net(X, training=True)
        loss = xent(y, probs)
    grads = tape.gradient(loss, bottom.trainable_variables + top.trainable_variables)
    cut = len(bottom.trainable_variables)
    bottom_opt.apply_gradients(zip(grads[:cut], bottom.trainable_variables))
    top_opt.apply_gradients(zip(grads[cut:], top.trainable_variables))
    avg_loss.update_state(loss)
    avg_acc.update_state(y, probs)


def validate():
    probs = net.predict(X_valid, verbose=0)
    return float(xent(y_valid, probs)), float(np.mean(probs.argmax(axis=1) == y_valid))


def train(n_epochs=3, batch_size=32):
    n_batches = len(X_train) // batch_size
    for epoch in range(n_epochs):
        avg_loss.reset_state()
        avg_acc.reset_state()
        perm = np.random.permutation(len(X_train))
        for i in range(n_batches):
            rows = perm[i * batch_size:(i + 1) * batch_size]
            train_step(X_train[rows], y_train[rows])
            print(f"\rEpoch {epoch + 1}/{n_epochs} iteration {i + 1}/{n_batches}: "
                  f"loss={avg_loss.result():.4f} acc={avg_acc.result():.4f}", end="")
        val_loss, val_acc = validate()
        print(f"  val_loss={val_loss:.4f} val_acc={val_acc:.4f}")


train()
