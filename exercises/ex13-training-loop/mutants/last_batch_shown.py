# mistake: the display shows the last batch's loss and accuracy instead of the epoch's running means
# caught-by: check_running_means_per_epoch
from collections import OrderedDict
from tqdm.auto import trange

n_epochs = 3
batch_size = 32
n_steps = len(X_train) // batch_size

# Two groups of layers, each trained by its own optimizer.
lower_layers = keras.Sequential([
    keras.Input(shape=(28, 28)),
    keras.layers.Flatten(),
    keras.layers.Dense(100, activation="relu"),
], name="lower_layers")
upper_layers = keras.Sequential([
    keras.layers.Dense(10, activation="softmax"),
], name="upper_layers")
model = keras.Sequential([lower_layers, upper_layers])
lower_variables = lower_layers.trainable_variables
upper_variables = upper_layers.trainable_variables
n_lower = len(lower_variables)

lower_optimizer = keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)
upper_optimizer = keras.optimizers.Nadam(learning_rate=0.002)
loss_fn = keras.losses.SparseCategoricalCrossentropy()
mean_loss = keras.metrics.Mean(name="loss")
mean_accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

for epoch in range(1, n_epochs + 1):
    order = np.random.permutation(len(X_train))
    steps = trange(1, n_steps + 1, desc=f"Epoch {epoch}/{n_epochs}")
    for step in steps:
        batch = order[(step - 1) * batch_size: step * batch_size]
        X_batch, y_batch = X_train[batch], y_train[batch]
        with tf.GradientTape() as tape:
            y_pred = model(X_batch, training=True)
            loss = loss_fn(y_batch, y_pred)              # mean over the batch
        # one backward pass for all weights, then each optimizer updates its own part
        gradients = tape.gradient(loss, lower_variables + upper_variables)
        lower_optimizer.apply_gradients(zip(gradients[:n_lower], lower_variables))
        upper_optimizer.apply_gradients(zip(gradients[n_lower:], upper_variables))
        mean_loss.update_state(loss)
        mean_accuracy.update_state(y_batch, y_pred)
        batch_accuracy = np.mean(np.argmax(y_pred, axis=1) == y_batch)
        status = OrderedDict(loss=float(loss), accuracy=float(batch_accuracy))
        if step == n_steps:                              # end of the epoch: validation too
            y_valid_pred = model(X_valid, training=False)
            status["val_loss"] = float(loss_fn(y_valid, y_valid_pred))
            status["val_accuracy"] = float(np.mean(np.argmax(y_valid_pred, axis=1) == y_valid))
        steps.set_postfix(status)
    mean_loss.reset_state()
    mean_accuracy.reset_state()
