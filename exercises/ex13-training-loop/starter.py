from tqdm.auto import trange

n_epochs = 3
batch_size = 32
n_steps = len(X_train) // batch_size

# (b) build the model from a lower part and an upper part, e.g. two keras.Sequential blocks
lower_layers = ...
upper_layers = ...
model = ...

# one optimizer for each part (different class or learning rate), a loss, and running metrics
lower_optimizer = ...
upper_optimizer = ...
loss_fn = keras.losses.SparseCategoricalCrossentropy()
mean_loss = keras.metrics.Mean(name="loss")
mean_accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

for epoch in range(1, n_epochs + 1):
    steps = trange(1, n_steps + 1, desc=f"Epoch {epoch}/{n_epochs}")
    for step in steps:
        # pick a batch, compute the loss under a GradientTape,
        # apply each part's gradients with its own optimizer,
        # update the running metrics and show them with steps.set_postfix(...)
        # (at the last step of the epoch, add val_loss and val_accuracy)
        ...
    # reset the running metrics for the next epoch
