"""The live results card: mime bundle, hint sync into the Report, re-run with live progress."""

from __future__ import annotations

import re
from unittest import mock

import pytest

from tfgrade import widget
from tfgrade.report import MIME_TYPE, CheckResult, Report
from tfgrade.widget import WIDGET_MIME_TYPE, ResultsCard, display_report, js_dir, static_bundle, widget_esm

STATIC = {"text/plain", "text/html", MIME_TYPE}


def make_report(score: float = 1.0, **overrides) -> Report:
    fields = dict(
        exercise="ex12-layer-norm", title="A custom layer normalization layer", short_id="ex12",
        score=score, max_score=3.0,
        checks=(
            CheckResult(id="defines_class", title="Defines LayerNormalization", status="pass", points=1, max_points=1),
            CheckResult(
                id="output_matches_keras", title="Output matches <Keras>", status="pass" if score == 3 else "fail",
                points=2 if score == 3 else 0, max_points=2, message="" if score == 3 else "max abs difference 0.5",
                hints=("first hint", "second hint"),
            ),
        ),
        timings={"total": 0.5},
    )
    fields.update(overrides)
    return Report(**fields)


def test_static_bundle_has_text_html_and_report_json():
    report = make_report()
    bundle = static_bundle(report)
    assert set(bundle) == STATIC
    assert bundle[MIME_TYPE] == report.to_dict()
    assert "Output matches &lt;Keras&gt;" in bundle["text/html"]
    assert "A custom layer normalization layer" in bundle["text/plain"]


def test_widget_bundle_has_widget_view_and_static_types():
    card = ResultsCard(make_report())
    data, _metadata = card._repr_mimebundle_()
    assert set(data) == STATIC | {WIDGET_MIME_TYPE}
    assert data[WIDGET_MIME_TYPE]["model_id"] == card.model_id
    assert data[MIME_TYPE]["score"] == 1.0
    assert card.report["checks"][1]["id"] == "output_matches_keras"
    assert card.can_rerun is False


def test_front_end_is_one_module_with_render_inlined():
    esm = widget_esm()
    assert not re.search(r"""from\s+["']\./""", esm), "anywidget loads a single module: no relative imports"
    assert "export function renderCard" in esm and "export default { render }" in esm
    assert (js_dir() / "widget.css").is_file()
    card = ResultsCard(make_report())
    assert card._esm == esm and ".tfgrade-card" in card._css


def test_hints_shown_from_front_end_are_reflected_in_the_report():
    card = ResultsCard(make_report())
    handle = mock.Mock()
    card._display_handle = handle
    card.hints_shown = {"output_matches_keras": 1}
    assert card.report["hints_shown"] == {"output_matches_keras": 1}
    assert card.current_report.hints_shown == {"output_matches_keras": 1}
    # The display (and so the notebook's saved JSON and HTML) is updated too.
    data = handle.update.call_args.args[0]
    assert data[MIME_TYPE]["hints_shown"] == {"output_matches_keras": 1}
    assert re.search(r'<details class="tfg-hint" open><summary>Show hint \(1 of 2\)', data["text/html"])
    # Counts are clamped to the hints a check has, and unknown checks are dropped.
    card.hints_shown = {"output_matches_keras": 9, "nope": 2}
    assert card.report["hints_shown"] == {"output_matches_keras": 2}


def test_hints_shown_in_the_report_start_the_widget_state():
    card = ResultsCard(make_report(hints_shown={"output_matches_keras": 2}))
    assert card.hints_shown == {"output_matches_keras": 2}


def test_rerun_message_calls_rerun_with_live_progress_and_replaces_the_report():
    seen_progress: list[dict] = []
    running_during: list[bool] = []

    def rerun(on_progress, on_stuck=None):
        for index, check_id in enumerate(["defines_class", "output_matches_keras"]):
            on_progress(check_id, index, 2)
            seen_progress.append(dict(card.progress))
            running_during.append(card.running)
        return make_report(score=3.0)

    card = ResultsCard(make_report(), rerun=rerun)
    assert card.can_rerun is True
    card.hints_shown = {"output_matches_keras": 1}
    handle = mock.Mock()
    card._display_handle = handle
    card._on_message(card, {"type": "rerun"}, [])
    assert seen_progress == [
        {"check": "defines_class", "index": 0, "total": 2},
        {"check": "output_matches_keras", "index": 1, "total": 2},
    ]
    assert running_during == [True, True]
    assert card.running is False and card.progress == {}
    assert card.report["score"] == 3.0 and card.current_report.score == 3.0
    assert card.report["hints_shown"] == {"output_matches_keras": 1}, "revealed hints stay revealed"
    assert handle.update.call_args.args[0][MIME_TYPE]["score"] == 3.0
    card._on_message(card, {"type": "something else"}, [])
    assert len(seen_progress) == 2


def test_rerun_failure_is_reported_and_keeps_the_old_report():
    def rerun(on_progress, on_stuck=None):
        raise RuntimeError("kernel state is broken")

    card = ResultsCard(make_report(), rerun=rerun)
    card._on_message(card, {"type": "rerun"}, [])
    assert card.running is False
    assert "RuntimeError: kernel state is broken" in card.rerun_error
    assert card.report["score"] == 1.0


def test_display_report_widget_and_static_fallback():
    report = make_report()
    with mock.patch("IPython.display.display") as display:
        card = display_report(report, rerun=lambda p: report, use_widget=True)
    assert isinstance(card, ResultsCard) and card.can_rerun
    assert display.call_args.args[0] is card and display.call_args.kwargs["display_id"] is True

    with mock.patch("IPython.display.display") as display:
        assert display_report(report, use_widget=False) is None
    bundle = display.call_args.args[0]
    assert set(bundle) == STATIC and display.call_args.kwargs["raw"] is True

    with mock.patch("IPython.display.display") as display, mock.patch.object(widget, "_anywidget_available", return_value=False):
        assert display_report(report, use_widget=True) is None
    assert set(display.call_args.args[0]) == STATIC


@pytest.mark.parametrize("use_widget", [True, False])
def test_display_report_output_in_a_real_shell(use_widget):
    """Through IPython's own display machinery, the published bundle carries the static types."""
    from IPython.core.interactiveshell import InteractiveShell

    existed = InteractiveShell.initialized()
    shell = InteractiveShell.instance()
    published: list[dict] = []
    try:
        with mock.patch.object(shell.display_pub, "publish", side_effect=lambda data, **kw: published.append(data)):
            display_report(make_report(), use_widget=use_widget)
    finally:
        if not existed:   # leave no IPython singleton behind for other tests
            InteractiveShell.clear_instance()
    assert published and STATIC <= set(published[-1])
    assert (WIDGET_MIME_TYPE in published[-1]) is use_widget


def test_failing_rows_start_open_and_stay_open_across_a_rerun():
    card = ResultsCard(make_report(), rerun=lambda progress, on_stuck=None: make_report(score=3.0))
    assert card.expanded == ["output_matches_keras"]
    card.expanded = ["output_matches_keras", "defines_class"]    # the learner opened a passing row too
    card.rerun()
    assert card.expanded == ["output_matches_keras", "defines_class"], "rows the learner opened stay open"
    assert ResultsCard(make_report(score=3.0)).expanded == []


def test_rerun_error_is_plain_text_even_when_the_exception_is_hostile():
    evil = '<img src=x onerror="alert(1)">'

    class Hostile(Exception):
        def __str__(self) -> str:
            raise ValueError("no text for you")

    card = ResultsCard(make_report(), rerun=lambda progress, on_stuck=None: (_ for _ in ()).throw(RuntimeError(evil)))
    card.rerun()
    # Not escaped here: the front end inserts it as text (tests/js checks that side).
    assert card.rerun_error == f"Re-running the checks failed: RuntimeError: {evil}"
    card = ResultsCard(make_report(), rerun=lambda progress, on_stuck=None: (_ for _ in ()).throw(Hostile()))
    card.rerun()
    assert card.rerun_error == "Re-running the checks failed: Hostile" and card.running is False


def test_rerun_tells_the_front_end_it_started_before_grading():
    events: list[str] = []
    card = ResultsCard(make_report(), rerun=lambda progress, on_stuck=None: events.append("graded") or make_report(score=3.0))
    with mock.patch.object(card, "send", side_effect=lambda content: events.append(content["type"])):
        card._on_message(card, {"type": "rerun"}, [])
    assert events == ["rerun-started", "graded"]


def test_front_end_bundle_is_valid_javascript(tmp_path):
    import shutil
    import subprocess

    node = shutil.which("node")
    assert node, "Node.js is needed for the card's tests (scripts/setup.sh --test)"
    bundle = tmp_path / "card.mjs"
    bundle.write_text(widget_esm(), encoding="utf-8")
    result = subprocess.run([node, "--check", str(bundle)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert widget_esm().count("export const WORDS") == 1, "words.js is inlined once"


def test_a_rerun_whose_check_cannot_be_stopped_shows_the_watchdogs_report_and_offers_no_more_reruns():
    stuck = make_report(checks=(CheckResult(id="defines_class", title="Defines LayerNormalization", status="error",
                                            points=0, max_points=1, error_type="CheckTimeout", timed_out=True,
                                            message="still running: restart the kernel"),))
    seen: list[bool] = []

    def rerun(on_progress, on_stuck=None):
        on_stuck(stuck)              # the watchdog thread reports while the check still runs
        seen.append(card.running)
        return stuck

    card = ResultsCard(make_report(), rerun=rerun)
    card.rerun()
    assert seen == [False], "no spinner once the watchdog has spoken"
    assert card.report["checks"][0]["timed_out"] is True and card.can_rerun is False
