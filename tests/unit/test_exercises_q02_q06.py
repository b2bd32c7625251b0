"""Exercises q02-q06: the reference scores full marks, accepted variants too, and every mutant
loses the very check that targets its mistake (so weakening a check makes this test fail)."""

from __future__ import annotations

from functools import lru_cache

import pytest

import tfgrade

from ..exercise_harness import (
    EXERCISES,
    assert_full_marks,
    assert_loses_target,
    assert_mutants_listed,
    grade_variant,
    lost_checks,
)


# exercise folder -> {mutant name -> the check id that must not pass for it}
TARGETS: dict[str, dict[str, str]] = {
    "q02-tf-vs-numpy": {
        "rebinds_variable": "set_entries_in_place",
        "scatter_returns_tensor": "set_entries_in_place",
        "numpy_view": "transpose_is_copy",
        "reshape_not_transpose": "transpose_values",
        "numpy_sum": "reductions",
        "elementwise_maximum": "reductions",
        "two_d_only": "set_entries_any_rank",
    },
    "q03-dtypes": {
        "b_cast_to_int32": "b",
        "range_from_one": "a",
        "assumes_numpy_default": "dtypes",
        "error_class_not_instance": "add_error",
        "error_message_string": "add_error",
        "float_b": "b",
        "sum_as_floats": "a_plus_b",
    },
    "q04-data-structures": {
        "unordered_sparse_indices": "sparse",
        "int_sparse_values": "sparse",
        "padded_not_ragged": "ragged",
        "missing_empty_row": "ragged",
        "byte_lengths": "word_lengths",
        "write_not_reassigned": "tensor_array_in_graph",
        "returns_stacked": "tensor_array",
        "set_union": "sets",
    },
    "q05-custom-loss": {
        "linear_piece_no_half": "matches_reference",
        "squared_piece_no_half": "matches_reference",
        "hardcoded_threshold": "threshold_respected",
        "config_without_threshold": "get_config",
        "config_without_base": "get_config",
        "init_without_kwargs": "get_config",
        "numpy_in_call": "trains",
        "keras2_reduction_auto": "loss_class",
        "averages_in_call": "sample_weights",
    },
    "q06-streaming-metric": {
        "mean_of_batch_means": "streaming",
        "ignores_sample_weight": "sample_weight",
        "counts_values_not_weights": "sample_weight",
        "keras2_reset_states": "reset_state",
        "keras2_add_weight_positional": "metric_class",
        "tf_variable_state": "state_variables",
        "config_without_threshold": "get_config",
        "numpy_in_update_state": "in_fit",
        "reset_only_total": "reset_state",
    },
}

# Messages that must name the Keras 3 spelling rather than show a bare traceback.
KERAS3_WORDING = {
    ("q05-custom-loss", "keras2_reduction_auto", "loss_class"): "Keras 3",
    ("q06-streaming-metric", "keras2_reset_states", "reset_state"): "reset_state()",
    ("q06-streaming-metric", "keras2_add_weight_positional", "metric_class"): 'add_weight(name="total"',
}


def _variants() -> dict[str, dict[str, str]]:
    """Other correct solutions (other spellings and idioms) that must also get full marks."""
    q02 = (EXERCISES / "q02-tf-vs-numpy" / "solution.py").read_text()
    q05 = (EXERCISES / "q05-custom-loss" / "solution.py").read_text()
    q06 = (EXERCISES / "q06-streaming-metric" / "solution.py").read_text()
    return {
        "q02-tf-vs-numpy": {
            "assign_loop": q02.replace(
                "    var.scatter_nd_update(indices, tf.constant(values, dtype=var.dtype))",
                "    for index, value in zip(indices, values):\n        var[tuple(index)].assign(value)\n    return var",
            ),
            "assign_scattered": q02.replace(
                "    var.scatter_nd_update(indices, tf.constant(values, dtype=var.dtype))",
                "    var.assign(tf.tensor_scatter_nd_update(var, indices, tf.cast(values, var.dtype)))",
            ).replace("tf.reduce_sum,", "tf.math.reduce_sum,"),
        },
        "q05-custom-loss": {
            "tf_keras_unregistered": q05.replace("@keras.saving.register_keras_serializable()\n", "").replace(
                "keras.losses.Loss", "tf.keras.losses.Loss"
            ),
        },
        "q06-streaming-metric": {
            "tf_keras_default_reset": q06.replace("keras.metrics.Metric", "tf.keras.metrics.Metric").replace(
                "    def reset_state(self):\n        self.total.assign(0.0)\n        self.count.assign(0.0)\n\n", ""
            ),
        },
    }


@lru_cache(maxsize=None)
def _grade(folder: str, variant: str) -> tfgrade.Report:
    return grade_variant(folder, variant, _variants())


_lost = lost_checks


@pytest.mark.parametrize("folder", sorted(TARGETS))
def test_reference_gets_full_marks(folder):
    assert_full_marks(_grade(folder, "solution"), needs_checks=True)


@pytest.mark.parametrize("folder", sorted(TARGETS))
def test_every_mutant_is_listed(folder):
    assert_mutants_listed(folder, TARGETS[folder])


@pytest.mark.parametrize(
    "folder,mutant,target",
    [(f, m, t) for f, mutants in sorted(TARGETS.items()) for m, t in sorted(mutants.items())],
)
def test_mutant_loses_its_targeted_check(folder, mutant, target):
    report = _grade(folder, f"mutant:{mutant}")
    assert_loses_target(report, mutant, target, KERAS3_WORDING.get((folder, mutant, target)))


@pytest.mark.parametrize(
    "folder,variant", [(f, v) for f, variants in sorted(_variants().items()) for v in sorted(variants)]
)
def test_accepted_variants_get_full_marks(folder, variant):
    assert_full_marks(_grade(folder, variant))
