# mistake: the gradients are negated before they are applied (the optimizer already subtracts them), so each step climbs the loss
# caught-by: check_loss_decreases
def train_step(model, optimizer, loss_fn, X, y):
    with tf.GradientTape() as tape:
        y_pred = model(X, training=True)
        main_loss = tf.reduce_mean(loss_fn(y, y_pred))
        loss = tf.add_n([main_loss] + model.losses)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip([-g for g in gradients], model.trainable_variables))
    for variable in model.variables:
        if variable.constraint is not None:
            variable.assign(variable.constraint(variable))
    return loss


# Trying it: a few epochs of a small model, with the step compiled as a graph.
demo_model = keras.Sequential([
    keras.Input(shape=(3,)),
    keras.layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.l2(1e-3)),
    keras.layers.Dense(1),
])
demo_step = tf.function(train_step)
demo_optimizer = keras.optimizers.Adam(learning_rate=0.01)
for epoch in range(3):
    for start in range(0, len(X_train), 32):
        loss = demo_step(demo_model, demo_optimizer, keras.losses.mean_squared_error,
                         X_train[start:start + 32], y_train[start:start + 32])
    print(f"epoch {epoch + 1}: last batch loss {float(loss):.3f}")
