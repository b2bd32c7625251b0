# mistake: hands the step to Keras (compile once, then train_on_batch) instead of writing it with a tape
# caught-by: check_one_gradient_step
def train_step(model, optimizer, loss_fn, X, y):
    if getattr(model, "compiled_for_train_step", None) is not optimizer:
        model.compile(optimizer=optimizer, loss=loss_fn)
        model.compiled_for_train_step = optimizer
    return model.train_on_batch(X, y, return_dict=False)


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
