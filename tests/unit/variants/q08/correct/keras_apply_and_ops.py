def train_step(model, optimizer, loss_fn, X, y):
    """One step; regularisation summed with tf.add_n when there is any."""
    with tf.GradientTape() as tape:
        predictions = model(X, training=True)
        per_batch = keras.ops.mean(loss_fn(y, predictions))
        total = per_batch
        if model.losses:
            total = total + tf.add_n(model.losses)
    variables = model.trainable_variables
    grads = tape.gradient(total, variables)
    optimizer.apply_gradients(list(zip(grads, variables)))
    for var in model.variables:
        constraint = getattr(var, "constraint", None)
        if constraint is not None:
            var.assign(constraint(var))
    return total
