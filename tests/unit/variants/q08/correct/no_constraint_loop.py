def train_step(model, optimizer, loss_fn, X, y):
    # Keras 3 optimizers apply the variables' constraints inside apply_gradients.
    with tf.GradientTape() as tape:
        y_pred = model(X, training=True)
        loss = tf.reduce_mean(loss_fn(y, y_pred)) + sum(model.losses)
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return loss
