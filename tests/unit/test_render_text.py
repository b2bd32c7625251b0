"""render.text: the plain-text card is a function of the Report."""

from __future__ import annotations

import pytest

from tfgrade.render.text import render_text, state_line
from tfgrade.report import CellError, CheckResult, Diagnostic, Report, TracebackFrame


def _check(id_: str, status: str, points: float = 0.0, max_points: float = 1.0, **kw) -> CheckResult:
    return CheckResult(id=id_, title=f"Title of {id_}", status=status, points=points, max_points=max_points, **kw)


def _report(*checks: CheckResult, **kw) -> Report:
    score = kw.pop("score", sum(c.points for c in checks))
    max_score = kw.pop("max_score", sum(c.max_points for c in checks))
    return Report(exercise="ex12-layer-norm", title="Layer norm", short_id="ex12",
                  score=score, max_score=max_score, checks=checks, **kw)


def test_score_is_shown_without_trailing_zeros():
    report = _report(_check("a", "pass", 7.0, 7.0), _check("b", "fail", 0.0, 3.0, message="nope"))
    first = render_text(report).splitlines()[0]
    assert "7 / 10" in first
    assert "Layer norm" in first and "ex12" in first
    assert "7.0" not in first


def test_fractional_score():
    report = _report(_check("a", "pass", 2.5, 2.5), _check("b", "fail", 0, 7.5))
    assert "2.5 / 10" in render_text(report)


def test_state_line_all_passed():
    assert state_line(_report(_check("a", "pass", 1), _check("b", "pass", 1))) == "All checks passed"


def test_state_line_counts_failures_errors_and_skips():
    report = _report(_check("a", "fail"), _check("b", "fail"), _check("c", "error"), _check("d", "skip"),
                     _check("e", "pass", 1))
    line = state_line(report)
    # The same words as the HTML card and the widget: errors count as failing, skips as skipped.
    assert line == "3 failing, 1 skipped"
    assert "All checks passed" not in line


def test_state_line_skips_alone_are_not_all_passed():
    assert state_line(_report(_check("a", "pass", 1), _check("b", "skip"))) != "All checks passed"


def test_state_line_no_checks():
    assert state_line(_report()) == "No checks ran"


def test_state_line_cell_error_wins():
    report = _report(_check("a", "skip"), cell_error=CellError(type="ValueError", message="boom", line=3))
    assert state_line(report) == "Your cell raised ValueError on line 3"
    assert "ValueError on line 3: boom" in render_text(report)


def test_learner_messages_and_verdicts_are_included():
    report = _report(
        _check("good", "pass", 1, message="not shown for a pass"),
        _check("bad", "fail", 0, 2, message="the output has shape (2, 3); expected (2, 4)\nsecond line"),
        _check("boom", "error", 0, 1, message="Your code raised TypeError at line 5",
               traceback=(TracebackFrame(line=5, code="return x + 'a'", function="f"),)),
        _check("later", "skip", 0, 1, message="not checked: the cell stopped first"),
    )
    text = render_text(report)
    for verdict in ("Passed", "Failed", "Error", "Skipped"):
        assert f" {verdict} " in text
    assert "the output has shape (2, 3); expected (2, 4)" in text and "second line" in text
    assert "Your code raised TypeError at line 5" in text
    assert "line 5: return x + 'a'" in text
    assert "not checked: the cell stopped first" in text
    assert "not shown for a pass" not in text
    assert "Title of bad" in text and "[0/2]" in text


def test_cell_error_with_line_and_code():
    err = CellError(type="NameError", message="name 'lyer' is not defined", line=4,
                    traceback=(TracebackFrame(line=4, code="out = lyer(x)"),))
    text = render_text(_report(_check("a", "skip"), cell_error=err))
    assert "NameError on line 4: name 'lyer' is not defined" in text
    assert "line 4: out = lyer(x)" in text


def test_hints_only_announced_unless_asked():
    report = _report(_check("bad", "fail", 0, 1, message="m", hints=("first hint", "second hint")))
    hidden = render_text(report)
    assert "first hint" not in hidden and "2 hints available" in hidden
    shown = render_text(report, show_hints=True)
    assert "first hint" in shown and "second hint" in shown


def test_hidden_check_is_labelled():
    assert "(hidden)" in render_text(_report(_check("secret", "fail", 0, 1, hidden=True, message="m")))


def test_diagnostics_with_fix_environment_and_timings():
    report = _report(
        _check("a", "pass", 1),
        diagnostics=(Diagnostic(kind="retracing", severity="warning", message="train_step traced 6 times",
                                fix="use tf.TensorSpec", function="train_step", line=9),),
        environment={"tensorflow": "2.21.0", "keras": "3.15.1", "gpus": []},
        timings={"total": 2.34, "cell": 1.0, "checks": 1.2},
    )
    text = render_text(report)
    assert "train_step traced 6 times" in text and "use tf.TensorSpec" in text
    assert "line 9" in text and "[Warning] train_step traced 6 times" in text
    assert "TensorFlow 2.21.0" in text and "CPU only" in text
    assert "2.3 s" in text


@pytest.mark.parametrize("status", ["pass", "fail", "error", "skip"])
def test_every_status_renders(status):
    assert render_text(_report(_check("x", status, 0, 1, message="msg")))


def test_exercise_hints_listed_until_everything_passes():
    hints = ("Work on the last axis.", "Compare with keras.layers.LayerNormalization.")
    failing = render_text(_report(_check("a", "fail", 0, 1, message="m"), general_hints=hints))
    assert "Hints for this exercise:\n    - Work on the last axis.\n    - Compare with" in failing
    assert "Work on the last axis." not in render_text(_report(_check("a", "pass", 1), general_hints=hints))
