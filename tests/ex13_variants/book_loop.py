# accepted: the published book's loop: random batches, `with trange(...)`, OrderedDict status, a slow SGD below
from collections import OrderedDict

from tqdm.auto import trange

keras.utils.set_random_seed(42)
lower_layers = keras.Sequential([
    keras.Input(shape=[28, 28]),
    keras.layers.Flatten(),
    keras.layers.Dense(100, activation="relu"),
])
upper_layers = keras.Sequential([
    keras.layers.Dense(10, activation="softmax"),
])
model = keras.Sequential([lower_layers, upper_layers])

lower_optimizer = keras.optimizers.SGD(learning_rate=1e-4)
upper_optimizer = keras.optimizers.Nadam(learning_rate=1e-3)

n_epochs = 3
batch_size = 32
n_steps = len(X_train) // batch_size
loss_fn = keras.losses.sparse_categorical_crossentropy
mean_loss = keras.metrics.Mean()
metrics = [keras.metrics.SparseCategoricalAccuracy()]


def random_batch(X, y, batch_size=32):
    idx = np.random.randint(len(X), size=batch_size)
    return X[idx], y[idx]


for epoch in range(1, n_epochs + 1):
    print("Epoch {}/{}".format(epoch, n_epochs))
    with trange(1, n_steps + 1, desc=f"Epoch {epoch}/{n_epochs}") as steps:
        for step in steps:
            X_batch, y_batch = random_batch(X_train, y_train)
            with tf.GradientTape(persistent=True) as tape:
                y_pred = model(X_batch)
                main_loss = tf.reduce_mean(loss_fn(y_batch, y_pred))
                loss = tf.add_n([main_loss] + model.losses)
            for layers, optimizer in ((lower_layers, lower_optimizer),
                                      (upper_layers, upper_optimizer)):
                gradients = tape.gradient(loss, layers.trainable_variables)
                optimizer.apply_gradients(zip(gradients, layers.trainable_variables))
            del tape
            for variable in model.variables:
                if getattr(variable, "constraint", None) is not None:
                    variable.assign(variable.constraint(variable))
            status = OrderedDict()
            mean_loss(loss)
            status["loss"] = mean_loss.result().numpy()
            for metric in metrics:
                metric(y_batch, y_pred)
                status[metric.name] = metric.result().numpy()
            if step == n_steps:
                y_pred = model(X_valid)
                status["val_loss"] = np.mean(loss_fn(y_valid, y_pred))
                status["val_accuracy"] = np.mean(keras.metrics.sparse_categorical_accuracy(
                    tf.constant(y_valid, dtype=np.float32), y_pred))
            steps.set_postfix(status)
    for metric in [mean_loss] + metrics:
        metric.reset_state()
