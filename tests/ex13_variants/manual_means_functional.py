# accepted: functional model, running means kept by hand, one optimizer class with two learning rates, tqdm
from tqdm import tqdm

inputs = keras.Input(shape=(28, 28))
hidden = keras.layers.Dense(150, activation="relu", name="hidden")(keras.layers.Flatten()(inputs))
logits = keras.layers.Dense(10, name="logits")(hidden)
classifier = keras.Model(inputs, logits)
low_vars = classifier.get_layer("hidden").trainable_variables
high_vars = classifier.get_layer("logits").trainable_variables
slow, fast = keras.optimizers.Adam(learning_rate=5e-4), keras.optimizers.Adam(learning_rate=2e-3)

epochs, size = 3, 32
steps_per_epoch = len(X_train) // size
for epoch in range(1, epochs + 1):
    total_loss = total_hits = seen = 0.0
    shuffle = np.random.permutation(len(X_train))
    bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch}/{epochs}")
    for i in bar:
        take = shuffle[i * size:(i + 1) * size]
        Xb, yb = X_train[take], y_train[take]
        with tf.GradientTape(persistent=True) as tape:
            out = classifier(Xb, training=True)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yb.astype("int32"),
                                                                                 logits=out))
        slow.apply_gradients(zip(tape.gradient(loss, low_vars), low_vars))
        fast.apply_gradients(zip(tape.gradient(loss, high_vars), high_vars))
        total_loss += float(loss) * len(yb)
        total_hits += float(np.sum(np.argmax(out, axis=1) == yb))
        seen += len(yb)
        shown = {"loss": total_loss / seen, "acc": total_hits / seen}
        if i == steps_per_epoch - 1:
            val_out = classifier(X_valid)
            shown["val_loss"] = float(tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=y_valid.astype("int32"), logits=val_out)))
            shown["val_acc"] = float(np.mean(np.argmax(val_out, axis=1) == y_valid))
        bar.set_postfix(shown)
