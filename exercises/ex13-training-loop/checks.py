"""Checks for exercise 13: graded by observation, not by a function signature.

What the cell did is read from the probes: which optimizers updated which variables
(``observations.optimizers``) and what the loop displayed, from printed text or tqdm bars
(``observations.output.metrics()``). The trained model is found in the namespace and
evaluated on the budget's validation, training and held-out test images, rebuilt with
``tfgrade.checking.load_fashion_mnist`` exactly as ``setup.py`` builds them.

Running means are judged from the numbers displayed at consecutive iterations: a mean over
the ``k`` batches of the epoch so far, shown as ``m[k-1]`` then ``m[k]``, implies that batch
``k`` scored ``k*m[k] - (k-1)*m[k-1]``. Those implied batch values must be possible values
(an accuracy within 0..1, a loss not negative) and, right after an epoch starts, must
scatter as much as real batch values do; a mean that was not reset would move too little.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
import pytest

_cache: dict[str, Any] = {}


# -- helpers ------------------------------------------------------------------------------
def _data(exercise: Any) -> dict[str, np.ndarray]:
    """The budget's split, as setup.py makes it (no download: cache, course folder or stand-in)."""
    if "data" not in _cache:
        from tfgrade.checking import load_fashion_mnist

        (x_full, y_full), (x_test, y_test) = load_fashion_mnist(download=False, quiet=True)
        b = exercise.budget
        n_valid, n_train, n_test = int(b["valid_samples"]), int(b["train_samples"]), int(b["test_samples"])
        scaled = x_full[: n_valid + n_train].astype(np.float32) / 255.0
        _cache["data"] = {
            "X_valid": scaled[:n_valid], "y_valid": np.asarray(y_full[:n_valid]),
            "X_train": scaled[n_valid:], "y_train": np.asarray(y_full[n_valid:n_valid + n_train]),
            "X_test": x_test[:n_test].astype(np.float32) / 255.0, "y_test": np.asarray(y_test[:n_test]),
        }
    return _cache["data"]


def _model(learner: Any) -> Any:
    """The trained model: the learner's keras.Model with the most weights (sub-models are smaller)."""
    import keras

    found = [(name, value) for name, value in list(learner.namespace.items())
             if not name.startswith("_") and isinstance(value, keras.Model)]
    assert found, ("Your cell does not define a Keras model (a `keras.Model`, for example a "
                   "`keras.Sequential`). Keep the trained model in a variable such as `model`.")
    found.sort(key=lambda item: (len(item[1].trainable_variables), item[0] == "model"), reverse=True)
    return found[0][1]


def _leaf_layers(model: Any) -> list[Any]:
    """Layers with trainable weights, bottom to top; nested models are opened up."""
    import keras

    out: list[Any] = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            out.extend(_leaf_layers(layer))
        elif layer.trainable_variables:
            out.append(layer)
    return out


def _layer_name(layer: Any) -> str:
    return getattr(layer, "path", None) or layer.name


def _updaters(observations: Any, model: Any) -> list[Any]:
    """Optimizers that updated some of the model's weights, ordered from the lowest layer up."""
    if observations.optimizers is None:
        pytest.skip("The optimizer probe is switched off (TFGRADE_PROBES), so optimizers cannot be checked.")
    index = {id(v): i for i, layer in enumerate(_leaf_layers(model)) for v in layer.trainable_variables}
    used = [o for o in observations.optimizers.updaters if o.variable_ids & index.keys()]
    return sorted(used, key=lambda o: min(index[i] for i in o.variable_ids if i in index))


def _display(observations: Any, include_undisplayed: bool = False) -> list[Any]:
    if observations.output is None:
        pytest.skip("The output probe is switched off (TFGRADE_PROBES), so the display cannot be checked.")
    return observations.output.metrics(include_undisplayed=include_undisplayed)


def _train_records(records: list[Any]) -> dict[int, list[Any]]:
    """Per epoch: the last record showing loss and accuracy for each iteration, in order."""
    by_epoch: dict[int, dict[Any, Any]] = defaultdict(dict)
    for r in records:
        if r.epoch is not None and "loss" in r.values and "accuracy" in r.values:
            key = r.iteration if r.iteration is not None else len(by_epoch[r.epoch])
            by_epoch[r.epoch].pop(key, None)
            by_epoch[r.epoch][key] = r
    return {e: list(v.values()) for e, v in sorted(by_epoch.items())}


def _val_pairs(records: list[Any]) -> dict[int, list[tuple[float, float]]]:
    pairs: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for r in records:
        if r.epoch is not None and "val_loss" in r.values and "val_accuracy" in r.values:
            pair = (r.values["val_loss"], r.values["val_accuracy"])
            if pair not in pairs[r.epoch]:
                pairs[r.epoch].append(pair)
    return dict(sorted(pairs.items()))


def _predict(model: Any, X: np.ndarray) -> np.ndarray:
    try:
        out = model(X, training=False)
    except Exception:
        out = model(X.reshape(len(X), -1), training=False)
    p = np.asarray(out, dtype=np.float64)
    if p.min() < 0 or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):   # logits
        p = np.exp(p - p.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
    return p


def _evaluate(model: Any, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` on ``X``, ``y``."""
    p = _predict(model, X)
    y = np.asarray(y, dtype=np.int64)
    loss = float(np.mean(-np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1.0))))
    return loss, float(np.mean(np.argmax(p, axis=1) == y))


def _evaluation(learner: Any, exercise: Any, split: str) -> tuple[float, float]:
    model = _model(learner)
    key = f"eval-{split}-{id(model)}"
    if key not in _cache:
        data = _data(exercise)
        _cache[key] = _evaluate(model, data[f"X_{split}"], data[f"y_{split}"])
    return _cache[key]


def _display_step(values: list[float]) -> float:
    """Half the display's rounding step: 0.00005 for values printed with 4 decimals."""
    needed = 0
    for v in values:
        decimals = next((d for d in range(9) if abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v))), None)
        if decimals is None:   # shown at full precision (e.g. floats given to set_postfix)
            return 1e-6 * max(1.0, max(abs(x) for x in values))   # float32 sums: a generous margin
        needed = max(needed, decimals)
    return 0.5 * 10.0 ** -needed


def _implied_batches(records: list[Any], name: str) -> list[tuple[int, float]]:
    """``(k, value of batch k)`` implied by a running mean shown at iterations k-1 and k of one epoch."""
    if not records:
        return []
    first = records[0].iteration
    offset = 1 - first if first in (0, 1) else 0      # 0-based or 1-based step numbers
    implied = []
    for before, after in zip(records, records[1:]):
        if after.iteration != before.iteration + 1:
            continue
        k = after.iteration + offset
        if k >= 2:
            implied.append((k, k * after.values[name] - (k - 1) * before.values[name]))
    return implied


def _spread(values: list[float]) -> float:
    """Median absolute deviation: robust to a few odd batches."""
    return float(np.median(np.abs(np.asarray(values) - np.median(values)))) if values else 0.0


# -- (b) two optimizers -------------------------------------------------------------------
@pytest.mark.points(2)
@pytest.mark.hints(
    "Part (b) needs two optimizer objects: one for the lower layers, one for the upper layers.",
    "In Keras 3 an optimizer is built for one set of variables, so each layer group needs its own "
    "instance, with a different class or learning rate, e.g. SGD for the lower part and Nadam for the upper part.",
    "Take the gradients of the loss for `lower_vars + upper_vars` in one call, split the list at "
    "`len(lower_vars)`, and call `apply_gradients(zip(grads, vars))` on each optimizer with its own part.",
)
def check_two_optimizers(learner, observations):
    """Two different optimizers both trained the model, many steps each"""
    model = _model(learner)
    used = _updaters(observations, model)
    assert used, ("No optimizer updated your model's weights while the cell ran: "
                  "`apply_gradients` was never called on them.")
    driven = [record for record in used if getattr(record, "driven_by", "")]
    assert not driven, (
        f"Keras's `{driven[0].driven_by}` ran the training (it called your model's train_step), so the loop is not "
        "your own. Write it yourself: for each epoch, for each batch, run the model inside a tf.GradientTape, take "
        "the gradients and apply them with each optimizer."
    )
    assert len(used) >= 2, (
        f"Only one optimizer, {used[0].describe()}, updated your model's weights. Part (b) asks for one "
        "optimizer for the lower layers and a different one (other class or learning rate) for the upper layers."
    )
    for record in used:
        assert record.steps > 1, (
            f"{record.describe()} updated the model only {record.steps} time(s); each optimizer should take a step "
            "at every training iteration."
        )
    for low, high in zip(used, used[1:]):
        assert (low.class_name, low.learning_rate) != (high.class_name, high.learning_rate), (
            f"Both layer groups are trained by {low.describe()}: use a different optimizer class or a different "
            "learning rate for the upper layers."
        )


@pytest.mark.points(2)
@pytest.mark.hints(
    "Split the model into a lower part and an upper part, and give each part's trainable variables to its own optimizer.",
    "Every trainable variable must be updated by exactly one of the optimizers; a layer must not be shared.",
    "Building the model from two Sequential blocks (`lower_layers`, `upper_layers`) makes the split easy: "
    "use `lower_layers.trainable_variables` and `upper_layers.trainable_variables`.",
)
def check_lower_and_upper_layers(learner, observations):
    """Each optimizer updated exactly its own layers: the lower ones or the upper ones"""
    model = _model(learner)
    used = _updaters(observations, model)
    assert len(used) >= 2, "Fewer than two optimizers updated the model, so there is no lower/upper split to check."
    layers = _leaf_layers(model)
    owners: list[Any] = []
    for layer in layers:
        found = {o.id: o for v in layer.trainable_variables for o in used if id(v) in o.variable_ids}
        assert found, f"No optimizer updated the weights of layer `{_layer_name(layer)}`, so it never learned."
        if len(found) > 1:
            names = " and ".join(o.describe() for o in found.values())
            raise AssertionError(f"Layer `{_layer_name(layer)}` was updated by {names}: each layer should be trained "
                                 "by one optimizer only.")
        for v in layer.trainable_variables:
            assert any(id(v) in o.variable_ids for o in found.values()), (
                f"The variable `{getattr(v, 'path', v.name)}` was never updated, while the rest of its layer was."
            )
        owners.append(next(iter(found.values())))
    blocks = [owners[0]]
    for owner in owners[1:]:
        if owner.id != blocks[-1].id:
            blocks.append(owner)
    assert len({b.id for b in blocks}) == len(blocks), (
        "The optimizers' layers are interleaved ("
        + ", ".join(f"`{_layer_name(layer)}`: {o.describe()}" for layer, o in zip(layers, owners))
        + "). One optimizer should train a block of lower layers, the other the layers above them."
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "An optimizer that is called but changes nothing usually has a learning rate of 0 or receives zero/None gradients.",
    "Check that the gradients you pass to each optimizer were computed for that optimizer's own variables.",
)
def check_weights_changed(learner, observations):
    """Both optimizers really changed the weights they were given"""
    model = _model(learner)
    used = _updaters(observations, model)
    assert used, "No optimizer updated your model's weights while the cell ran."
    for record in used:
        unchanged = [v.path for v in record.variables if v.changed is False]
        assert not unchanged, (
            f"{record.describe()} was called {record.steps} times but these weights ended exactly as they started: "
            + ", ".join(f"`{p}`" for p in unchanged[:4]) + "."
        )


# -- (a) what the loop displayed ----------------------------------------------------------
@pytest.mark.points(2)
@pytest.mark.hints(
    "Show the progress at every training iteration, not only at the end of an epoch.",
    "With tqdm: `steps = trange(1, n_steps + 1, desc=f\"Epoch {epoch}/{n_epochs}\")` and, inside the loop, "
    "`steps.set_postfix(loss=..., accuracy=...)`. With print: one line per iteration such as "
    "`print(f\"Epoch {epoch} step {step}/{n_steps} - loss: {l:.4f} - accuracy: {a:.4f}\", end=\"\\r\")`.",
    "The numbers shown should be the running means of the epoch: `mean_loss.result()` and "
    "`accuracy_metric.result()` after updating them with the batch.",
)
def check_progress_display(learner, observations, exercise):
    """The loop shows epoch, iteration, running loss and accuracy at every iteration"""
    records = _display(observations)
    epochs = _train_records(records)
    assert epochs, (
        "Nothing your loop displayed showed both a training loss and an accuracy. Show them with a tqdm bar's "
        "`set_postfix(loss=..., accuracy=...)` or print lines like `loss: 0.52 - accuracy: 0.81`."
    )
    assert len(epochs) >= 2, (
        f"The display shows only one epoch; the budget is {exercise.budget['epochs']} epochs, and each should be "
        "shown with its number (tqdm description `Epoch 2/3` or printed `Epoch 2`)."
    )
    shown = [r for rs in epochs.values() for r in rs]
    assert all(r.epoch_shown for r in shown), (
        "The epoch number is not displayed: put it in the bar's description (`desc=f\"Epoch {epoch}/{n_epochs}\"`) "
        "or in the printed line."
    )
    assert all(r.iteration is not None for r in shown), (
        "The iteration number is not displayed: show `step/n_steps` (a tqdm bar does this for you) or print it."
    )
    model = _model(learner)
    used = _updaters(observations, model)
    if used:
        per_epoch = max(o.steps for o in used) / len(epochs)
        for epoch, rs in epochs.items():
            assert len(rs) >= 0.9 * per_epoch, (
                f"In epoch {epoch} the loss and accuracy were shown {len(rs)} times for about {per_epoch:.0f} training "
                "iterations: update the display at every iteration."
            )
    for epoch, rs in epochs.items():
        distinct = {round(r.values["loss"], 6) for r in rs}
        assert len(distinct) >= min(5, len(rs)), (
            f"In epoch {epoch} the displayed loss hardly changes ({len(distinct)} different values): show the running "
            "mean, updated with every batch."
        )


@pytest.mark.points(1)
@pytest.mark.hints(
    "The loss and accuracy shown should be means over the current epoch so far.",
    "Call `reset_state()` on your loss and accuracy metrics at the start (or end) of every epoch.",
    "Keras 3 spells it `reset_state()`; `reset_states()` no longer exists.",
)
def check_running_means_per_epoch(observations):
    """The displayed loss and accuracy are running means that restart each epoch"""
    epochs = _train_records(_display(observations))
    if len(epochs) < 2 or any(len(rs) < 12 for rs in epochs.values()):
        pytest.fail("Not enough displayed iterations to check the running means (see the display check).")
    numbers = list(epochs)
    for name in ("loss", "accuracy"):
        shown = [r.values[name] for rs in epochs.values() for r in rs]
        step = _display_step(shown)
        top = 100.0 if name == "accuracy" and max(shown) > 1.5 else 1.0   # accuracy shown in percent
        implied = [(k, b) for rs in epochs.values() for k, b in _implied_batches(rs, name)]
        impossible = [b for k, b in implied
                      if b < -2 * k * step - 1e-6 or (name == "accuracy" and b > top + 2 * k * step + 1e-6)]
        assert len(impossible) <= 0.2 * len(implied), (
            f"The displayed {name} does not behave like a mean over the batches of the epoch so far (from one "
            f"iteration to the next it moves more than one new batch can move a mean): it seems to be the value of "
            "the last batch. Show the running mean, e.g. `mean_loss.result()` after `mean_loss.update_state(loss)`."
        )
        # Spread of real batch values: the second half of the first epoch (always a fresh mean).
        first = epochs[numbers[0]]
        late = [(k, b) for k, b in _implied_batches(first, name) if k > len(first) // 2]
        reference = _spread([b for _, b in late])
        noise = 2 * step * (float(np.median([k for k, _ in late])) if late else 0.0)
        if not late or reference <= 4 * noise:
            continue   # batches too alike, or the display too coarse, to judge this metric
        window = max(6, min(20, len(first) // 8))
        for before, after in zip(numbers, numbers[1:]):
            start = [b for k, b in _implied_batches(epochs[after], name) if k <= window]
            if len(start) < 4:
                continue
            assert _spread(start) >= 0.3 * reference, (
                f"At the start of epoch {after} the displayed {name} moves far less than a fresh mean of a few "
                f"batches would: the running mean still includes the batches of epoch {before}. Reset your metrics "
                "(`reset_state()`) at every epoch."
            )


@pytest.mark.points(1)
@pytest.mark.hints(
    "The displayed loss should be the mean loss per image, like Keras shows in `fit`.",
    "Average the per-image losses of a batch (`tf.reduce_mean`, or a Keras loss object, which averages by default) "
    "before taking gradients and updating the running mean.",
)
def check_loss_is_a_mean(learner, observations, exercise):
    """The displayed training loss is a mean per image"""
    epochs = _train_records(_display(observations))
    assert epochs, "No training loss was displayed (see the display check)."
    shown = list(epochs.values())[-1][-1].values["loss"]
    true_loss, _ = _evaluation(learner, exercise, "train")
    assert math.isfinite(true_loss) and math.isfinite(shown), (
        f"The loss is not a finite number (shown: {shown:.4g}, the trained model's: {true_loss:.4g}); "
        "training diverged. Is the loss summed instead of averaged, or the learning rate too high?"
    )
    ratio = shown / max(true_loss, 1e-6)
    assert ratio <= 4.0, (
        f"At the end of training the display shows a loss of {shown:.4g}, but the model's mean loss per training image "
        f"is {true_loss:.4g}, {ratio:.0f} times less. The loss seems to be summed over the batch instead of averaged."
    )
    assert ratio >= 0.5, (
        f"At the end of training the display shows a loss of {shown:.4g}, but the model's mean loss per training image "
        f"is {true_loss:.4g}, {1 / ratio:.1f} times more. Show the mean of the batch losses over the epoch."
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "At the end of each epoch, compute the validation loss and accuracy once and show them.",
    "With tqdm, add `val_loss` and `val_accuracy` to the postfix at the last step of the epoch, while the bar is still "
    "open: once a `for` loop over a tqdm bar ends, the bar is closed and shows nothing more.",
)
def check_validation_each_epoch(observations):
    """Validation loss and accuracy are shown once per epoch"""
    records = _display(observations)
    epochs = _train_records(records)
    pairs = _val_pairs(records)
    if not pairs:
        late = _val_pairs(_display(observations, include_undisplayed=True))
        assert not late, (
            "Your validation numbers were given to a tqdm bar after its loop had ended: the bar was closed and "
            "never showed them. Set them at the last step of the epoch (or print them)."
        )
        raise AssertionError("No validation loss and accuracy were displayed (names like `val_loss` and "
                             "`val_accuracy`).")
    missing = [e for e in epochs if e not in pairs]
    assert not missing, f"Validation results were not shown for epoch(s) {missing}; show them at the end of every epoch."
    repeated = {e: len(p) for e, p in pairs.items() if len(p) > 1}
    assert not repeated, (
        f"Validation results changed within an epoch ({', '.join(f'epoch {e}: {n} values' for e, n in repeated.items())}); "
        "compute them once, at the end of each epoch."
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "The validation numbers must come from the validation set, `X_valid` and `y_valid`, which the model never trains on.",
    "Compute them with the model as it is at the end of the epoch: `y_pred = model(X_valid)`, then the loss and the "
    "accuracy against `y_valid`.",
)
def check_validation_uses_validation_data(learner, observations, exercise):
    """The validation numbers are the model's results on the validation set"""
    pairs = _val_pairs(_display(observations))
    assert pairs, "No validation results were displayed (see the check on validation each epoch)."
    shown_loss, shown_acc = list(pairs.values())[-1][-1]
    val_loss, val_acc = _evaluation(learner, exercise, "valid")
    train_loss, train_acc = _evaluation(learner, exercise, "train")
    loss_ok = abs(shown_loss - val_loss) <= 0.03 * val_loss + 0.005
    acc_ok = abs(shown_acc - val_acc) <= 0.006
    if loss_ok and acc_ok:
        return
    hint = ""
    if abs(shown_acc - train_acc) < abs(shown_acc - val_acc) or abs(shown_loss - train_loss) < abs(shown_loss - val_loss):
        hint = (f" They are close to the model's results on the training data (loss {train_loss:.4f}, "
                f"accuracy {train_acc:.4f}): validation must use `X_valid`, `y_valid`.")
    raise AssertionError(
        f"After the last epoch the display shows val_loss {shown_loss:.4f} and val_accuracy {shown_acc:.4f}, but the "
        f"trained model scores loss {val_loss:.4f} and accuracy {val_acc:.4f} on the validation set.{hint}"
    )


# -- the result ---------------------------------------------------------------------------
@pytest.mark.points(2)
@pytest.mark.hints(
    "If the loss does not go down, check that each batch's images and labels still match after shuffling.",
    "Use the same random permutation for `X_train` and `y_train`, and make sure every optimizer really applies its gradients.",
)
def check_test_accuracy(learner, exercise):
    """The trained model beats the stated accuracy on held-out test images"""
    threshold = float(exercise.budget["min_test_accuracy"])
    _, accuracy = _evaluation(learner, exercise, "test")
    assert accuracy >= threshold, (
        f"The trained model classifies {accuracy:.1%} of {int(exercise.budget['test_samples']):,} held-out test images "
        f"correctly; a working loop reaches at least {threshold:.0%} within the budget "
        f"({exercise.budget['epochs']} epochs on {int(exercise.budget['train_samples']):,} images)."
    )


@pytest.mark.points(1)
@pytest.mark.hints(
    "Keep to the budget: the data prepared for you, a small dense network, and a few epochs.",
    "A training step in eager mode costs milliseconds; avoid evaluating the validation set at every iteration.",
)
def check_time_budget(observations, exercise, time_scale):
    """The cell finishes within the grading time budget"""
    if observations.cell is None:
        pytest.skip("The cell was not run under tfgrade, so its duration is unknown.")
    # A slower grading machine is declared with --time-scale, as for the checks' own limits.
    limit = float(exercise.budget["max_seconds"]) * time_scale
    assert observations.cell.duration <= limit, (
        f"Your cell ran for {observations.cell.duration:.0f} s; the budget is {limit:.0f} s. Use the reduced data "
        "and epochs prepared in the set-up cell."
    )
