"""%%tfcheck in a real kernel: the report bundle, learner errors, and a kernel that lives on."""

from __future__ import annotations

import pytest

from tfgrade.catalog import get_exercise

from .conftest import report_of, stream_text

pytestmark = [pytest.mark.kernel, pytest.mark.slow]

EX12 = get_exercise("ex12")
SETUP = EX12.setup_source
SOLUTION = EX12.solution_source
MUTANT = {m.name: m.source for m in EX12.mutants}


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One kernel runs every scenario in order, as a learner would in one notebook."""
    from .conftest import run_cells

    cells = {
        "load": "%load_ext tfgrade\n%load_ext tfgrade",          # twice: must be harmless
        "setup": SETUP,
        "correct": "%%tfcheck ex12\n" + SOLUTION,
        "object_kept": "print(type(LayerNormalization).__name__, LayerNormalization.__name__)",
        "variance_as_std": "%%tfcheck ex12\n" + MUTANT["variance_as_std"],
        "not_trainable": "%%tfcheck ex12-layer-norm\n" + MUTANT["not_trainable"],
        "syntax_error": "%%tfcheck ex12\nclass Broken(keras.layers.Layer):\n    def call(self, X)\n        return X\n",
        "name_error": "%%tfcheck ex12\ndel LayerNormalization\nlayer = LayerNormalisation()\n",
        "raises_in_call": "%%tfcheck ex12\n" + SOLUTION.replace(
            "mean, variance = tf.nn.moments(X, axes=-1, keepdims=True)",
            "mean, variance = tf.nn.moments(X, axes=-1, keepdims=True)\n        raise ValueError('oops in call')"),
        "unknown_id": "%%tfcheck ex21\nx = 1",
        "list": "%tfcheck list",
        "alive": "print('still alive', 1 + 1)",
    }
    notebook = run_cells(list(cells.values()), tmp_path_factory.mktemp("kernel"), timeout=300)
    return dict(zip(cells, notebook.cells))


def test_loading_twice_is_quiet(session):
    cell = session["load"]
    assert not [o for o in cell.outputs if o.output_type == "error"], cell.outputs
    assert stream_text(cell, "stderr") == ""


def test_correct_solution_gets_full_marks_and_the_bundle_is_complete(session):
    cell = session["correct"]
    report = report_of(cell)
    assert report["schema"] == "tfgrade.report/1"
    assert report["exercise"] == "ex12-layer-norm"
    assert report["score"] == report["max_score"] > 0
    assert {c["status"] for c in report["checks"]} == {"pass"}
    assert report["cell_error"] is None
    assert report["environment"]["tensorflow"] and report["environment"]["keras"]
    for check in report["checks"]:
        assert {"id", "title", "status", "points", "max_points", "message", "hints"} <= set(check)
    bundle = next(o["data"] for o in cell.outputs if "application/vnd.tfgrade.report+json" in o.get("data", {}))
    assert "text/plain" in bundle and "text/html" in bundle
    assert f"{report['score']:g} / {report['max_score']:g}" in bundle["text/plain"]


def test_cell_objects_stay_defined(session):
    assert stream_text(session["object_kept"]).strip() == "type LayerNormalization"


@pytest.mark.parametrize("mutant, lost", [
    ("variance_as_std", "output_matches_keras"),
    ("not_trainable", "weights_trainable_float32"),
])
def test_mutants_lose_the_right_check(session, mutant, lost):
    report = report_of(session[mutant])
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses[lost] == "fail"
    assert report["score"] < report["max_score"]
    failing = next(c for c in report["checks"] if c["id"] == lost)
    assert failing["message"] and failing["hints"]


def test_syntax_error_is_reported_with_the_learner_line(session):
    report = report_of(session["syntax_error"])
    error = report["cell_error"]
    assert error["type"] == "SyntaxError"
    assert error["line"] == 3     # line 1 is %%tfcheck, the broken `def` is line 3
    assert report["score"] < report["max_score"]


def test_name_error_skips_dependent_checks_with_a_reason(session):
    report = report_of(session["name_error"])
    assert report["cell_error"]["type"] == "NameError"
    assert report["cell_error"]["line"] == 3
    assert "LayerNormalisation" in report["cell_error"]["message"]
    skipped = [c for c in report["checks"] if c["status"] == "skip"]
    assert skipped, report["checks"]
    assert all("NameError" in c["message"] for c in skipped)
    assert report["score"] == 0


def test_exception_inside_call_is_an_error_pointing_at_the_learner_line(session):
    report = report_of(session["raises_in_call"])
    errors = [c for c in report["checks"] if c["status"] == "error"]
    assert errors, report["checks"]
    first = errors[0]
    assert first["error_type"] == "ValueError"
    assert "oops in call" in first["message"]
    assert any("raise ValueError" in f["code"] for f in first["traceback"])
    assert report["cell_error"] is None


def test_unknown_exercise_names_close_ids(session):
    text = stream_text(session["unknown_id"], "stderr")
    assert "No exercise called 'ex21'" in text
    assert "Did you mean" in text and "'ex12'" in text


def test_list_shows_progress(session):
    text = "".join(o["data"].get("text/plain", "") for o in session["list"].outputs if "data" in o)
    line = next(l for l in text.splitlines() if l.startswith("ex12"))
    assert "not tried" not in line and "/" in line


def test_kernel_survives_everything(session):
    assert stream_text(session["alive"]).strip() == "still alive 2"
