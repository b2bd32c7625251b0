"""Exercises q07, q08, q09 and q11: the reference scores full marks, accepted variants too, and
every mutant loses the very check that targets its mistake (so weakening a check makes this test fail)."""

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


# About 30 gradings of a few seconds each; learner cells (mutants) may warn, as Keras does in a notebook.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning")]

# exercise folder -> {mutant name -> the check id that must not pass for it}
TARGETS: dict[str, dict[str, str]] = {
    "q07-layer-vs-model": {
        "block_is_model": "block_is_a_layer",
        "regressor_is_layer": "regressor_is_a_model",
        "no_skip_connection": "block_adds_its_input",
        "ignores_n_layers": "block_tracks_its_weights",
        "layers_created_in_call": "block_tracks_its_weights",
        "config_without_n_neurons": "block_config_round_trip",
        "ignores_output_dim": "regressor_output_shape",
        "not_registered": "save_and_reload",
    },
    "q08-train-step": {
        "no_regularization": "regularization_included",
        "forward_pass_outside_tape": "one_gradient_step",
        "no_return": "returns_the_loss",
        "numpy_loss": "works_as_tf_function_without_retracing",
        "step_counter_variable": "works_as_tf_function_without_retracing",
        "sum_not_mean": "one_gradient_step",
        "no_training_flag": "calls_model_in_training_mode",
        "uses_global_model": "one_gradient_step",
    },
    "q09-tf-function-rules": {
        "numpy_standardize": "standardize_as_graph",
        "static_shape_mean": "standardize_any_length",
        "python_print": "log_total_prints_every_call",
        "variable_per_call": "accumulate_keeps_one_variable",
        "python_int_loop": "power_series_as_graph",
        "python_scalar_arguments": "fast_series_traced_once",
        "scalar_start": "power_series_as_graph",
    },
    "q11-dynamic-model": {
        "no_run_eagerly": "compiled_to_run_eagerly",
        "keras2_dynamic": "compiled_to_run_eagerly",
        "global_eager_switch": "compiled_to_run_eagerly",
        "skips_numpy_step": "call_runs_the_numpy_step",
        "vague_explanation": "explains_the_cost",
        "speed_only_explanation": "explains_the_cost",
    },
}

# Messages that must name the fix in the learner's terms (Keras 3 spellings included).
WORDING = {
    ("q07-layer-vs-model", "not_registered", "save_and_reload"): "register_keras_serializable",
    ("q08-train-step", "no_regularization", "regularization_included"): "model.losses",
    ("q09-tf-function-rules", "python_print", "log_total_prints_every_call"): "tf.print",
    ("q09-tf-function-rules", "python_scalar_arguments", "fast_series_traced_once"): "tf.constant(n)",
    ("q11-dynamic-model", "keras2_dynamic", "compiled_to_run_eagerly"): "run_eagerly=True",
    ("q11-dynamic-model", "global_eager_switch", "compiled_to_run_eagerly"): "run_eagerly=True",
}


def _variants() -> dict[str, dict[str, str]]:
    """Other correct solutions (other spellings and idioms) that must also get full marks."""
    q07 = (EXERCISES / "q07-layer-vs-model" / "solution.py").read_text()
    q08 = (EXERCISES / "q08-train-step" / "solution.py").read_text()
    q09 = (EXERCISES / "q09-tf-function-rules" / "solution.py").read_text()
    q11 = (EXERCISES / "q11-dynamic-model" / "solution.py").read_text()
    return {
        "q07-layer-vs-model": {
            "tf_keras_spelling": q07.replace("keras.", "tf.keras.").replace("tf.tf.keras.", "tf.keras.").replace(
                "tf.keras.saving.register_keras_serializable", "tf.keras.utils.register_keras_serializable"
            ),
        },
        "q08-train-step": {
            "decorated_sum_of_losses": q08.replace(
                "def train_step(", "@tf.function\ndef train_step(", 1
            ).replace(
                "        loss = tf.add_n([main_loss] + model.losses)", "        loss = main_loss + sum(model.losses)"
            ).replace("demo_step = tf.function(train_step)", "demo_step = train_step"),
        },
        "q09-tf-function-rules": {
            "builtin_range_and_variance": q09.replace(
                "    std = tf.math.reduce_std(x)", "    std = tf.sqrt(tf.reduce_mean(tf.square(x - mean)))"
            ).replace(
                "    for k in tf.range(1, n + 1):", "    for k in range(1, n + 1):"
            ).replace("def standardize(", "@tf.function\ndef standardize("),
        },
        "q11-dynamic-model": {
            "py_function_tf_keras": q11.replace(
                "        squashed = signed_log(np.asarray(inputs))      # plain NumPy: needs concrete values\n"
                "        features = tf.convert_to_tensor(squashed, dtype=tf.float32)\n",
                "        features = tf.py_function(lambda t: signed_log(t.numpy()), [inputs], tf.float32)\n"
                "        features.set_shape(inputs.shape)\n",
            ).replace("keras.Model", "tf.keras.Model").replace(
                'why_slower = """', 'why_slower = """No graph: TensorFlow cannot optimise the computation, and '
                'nothing can be exported to TF Lite or a SavedModel for deployment. '
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
    assert_loses_target(report, mutant, target, WORDING.get((folder, mutant, target)))


@pytest.mark.parametrize(
    "folder,variant", [(f, v) for f, variants in sorted(_variants().items()) for v in sorted(variants)]
)
def test_accepted_variants_get_full_marks(folder, variant):
    assert_full_marks(_grade(folder, variant))


def test_q11_reports_the_eager_to_graph_ratio_as_advice():
    report = _grade("q11-dynamic-model", "solution")
    advice = [d for d in report.diagnostics if d.source == "checks" and "as a graph" in d.message]
    assert len(advice) == 1 and advice[0].severity == "advice"
    assert advice[0].details["ratio"] > 0
    timing = next(c for c in report.checks if c.id == "what_graph_mode_buys")
    assert timing.max_points == 0 and timing.status == "pass"
