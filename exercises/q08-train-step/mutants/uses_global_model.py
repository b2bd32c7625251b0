# mistake: the step updates the global demo model instead of the model it is given
# caught-by: check_one_gradient_step
demo_model = keras.Sequential([
    keras.Input(shape=(3,)),
    keras.layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.l2(1e-3)),
    keras.layers.Dense(1),
])


def train_step(model, optimizer, loss_fn, X, y):
    with tf.GradientTape() as tape:
        y_pred = demo_model(X, training=True)
        main_loss = tf.reduce_mean(loss_fn(y, y_pred))
        loss = tf.add_n([main_loss] + demo_model.losses)
    gradients = tape.gradient(loss, demo_model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, demo_model.trainable_variables))
    return loss


demo_optimizer = keras.optimizers.Adam(learning_rate=0.01)
for start in range(0, len(X_train), 32):
    loss = train_step(demo_model, demo_optimizer, keras.losses.mean_squared_error,
                      X_train[start:start + 32], y_train[start:start + 32])
