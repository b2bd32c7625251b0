"""render_html: a self-contained card (inline style, no script) with every learner string escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tfgrade.render.html import render_html
from tfgrade.report import CellError, CheckResult, Diagnostic, Report, TracebackFrame

EVIL = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def make_report(**overrides) -> Report:
    fields = dict(
        exercise="ex12-layer-norm", title="A custom layer normalization layer", short_id="ex12",
        score=7.0, max_score=10.0,
        checks=(
            CheckResult(id="defines_class", title="Defines LayerNormalization", status="pass", points=2, max_points=2),
            CheckResult(id="builds", title="Creates gamma and beta", status="pass", points=5, max_points=5,
                        hints=("A hint a passing check does not need.",)),
            CheckResult(
                id="output_matches_keras", title="Output matches Keras", status="fail", points=0, max_points=3,
                message="max abs difference 0.52", hints=("Normalise over the last axis.", "Use keepdims=True.", "Add epsilon."),
            ),
        ),
        environment={"tensorflow": "2.20.0", "keras": "3.11.3", "keras_flavour": "keras3", "gpus": [], "python": "3.11.2"},
        timings={"cell": 0.4, "checks": 0.8, "overhead": 0.0, "total": 1.23},
    )
    fields.update(overrides)
    return Report(**fields)


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def test_header_score_bar_state_and_time():
    html = render_html(make_report())
    assert "<b>7</b> / 10" in html
    assert 'aria-valuenow="7"' in html and "width:70.0%" in html
    assert "1 failing" in html
    assert "1.2 s" in html
    assert "A custom layer normalization layer" in html and ">ex12<" in html


def test_self_contained_no_script():
    html = render_html(make_report())
    assert html.startswith("<style>")
    names = [t for t, _ in tags(html)]
    assert "script" not in names and "link" not in names
    assert not any(k.startswith("on") for _, attrs in tags(html) for k in attrs)
    assert "var(--jp-ui-font-color1" in html and "--vscode-editor-foreground" in html


def test_rows_have_icon_and_word_and_points():
    html = render_html(make_report())
    assert html.count("</span> Passed</span>") == 2
    assert "</span> Failed</span>" in html
    assert "0 / 3" in html and "5 / 5" in html


def test_failing_row_starts_open_without_js_and_hints_nest():
    html = render_html(make_report())
    failing = html[html.index('data-check-id="output_matches_keras"'):]
    # The failing row's <details> starts open, so its message and hints show at once.
    assert failing.index("<details open>") < failing.index("max abs difference 0.52")
    # Each hint sits inside the one before: three nested <details class="tfg-hint">, none open.
    hints = re.findall(r'<details class="tfg-hint"( open)?><summary>([^<]*)</summary>', failing)
    assert [label for _, label in hints] == ["Show hint (1 of 3)", "Show next hint (2 of 3)", "Show next hint (3 of 3)"]
    assert not any(opened for opened, _ in hints)
    first, second = failing.index("Normalise over the last axis."), failing.index("Use keepdims=True.")
    assert first < second and failing[first:second].count("</details>") == 0
    # A passing row has nothing to expand, even when its check has hints.
    passing = html[html.index('data-check-id="defines_class"'):html.index('data-check-id="output_matches_keras"')]
    assert "<details" not in passing and "does not need" not in html


def test_hints_already_shown_are_open():
    html = render_html(make_report(hints_shown={"output_matches_keras": 2}))
    opened = re.findall(r'<details class="tfg-hint"( open)?>', html)
    assert opened == [" open", " open", ""]
    # ... and they are visible: the row that holds them is open too.
    row = html[html.index('data-check-id="output_matches_keras"'):]
    assert row.startswith('data-check-id="output_matches_keras" data-status="fail"><details open>')


def test_exercise_hints_shown_while_something_fails():
    hints = ("Work on the last axis.", EVIL)
    html = render_html(make_report(general_hints=hints))
    block = html[html.index('class="tfg-exercise-hints"'):]
    assert "Hints for this exercise" in block and "<li>Work on the last axis.</li>" in block
    assert EVIL not in html and "&lt;img src=x" in block
    passed = make_report(score=3.0, max_score=3.0, general_hints=hints, checks=make_report().checks[:2])
    assert 'class="tfg-exercise-hints"' not in render_html(passed)


def test_error_traceback_timeout_and_cell_error():
    report = make_report(
        score=0.0, max_score=3.0,
        checks=(
            CheckResult(id="call", title="call() runs", status="error", points=0, max_points=2, error_type="ZeroDivisionError",
                        message="Your code raised ZeroDivisionError at line 9", traceback=(TracebackFrame(9, "return x / 0", "call"),)),
            CheckResult(id="slow", title="Trains", status="error", points=0, max_points=1, timed_out=True,
                        error_type="CheckTimeout", message="stopped after 20 s"),
        ),
        cell_error=CellError("NameError", "name 'tf' is not defined", 4, (TracebackFrame(4, "x = tf.zeros(3)"),)),
    )
    html = render_html(report)
    assert "Your cell raised NameError on line 4" in html
    assert "Your cell stopped with NameError on line 4" in html
    assert "name &#x27;tf&#x27; is not defined" in html
    assert '<span class="tfg-where">line 9, in call</span><code>return x / 0</code>' in html
    assert "ZeroDivisionError in your code" in html
    assert "</span> Timed out</span>" in html and "</span> Error</span>" in html


def test_diagnostics_grouped_with_severity_and_environment():
    report = make_report(
        diagnostics=(
            Diagnostic(kind="device", severity="info", message="Variables live on GPU:0."),
            Diagnostic(kind="retracing", severity="warning", message="train_step traced 7 times.", fix="Pass tensors.",
                       function="train_step", line=12),
            Diagnostic(kind="retracing", severity="info", message="predict traced twice."),
        ),
        environment={"tensorflow": "2.20.0", "keras": "3.11.3", "gpus": ["/physical_device:GPU:0"]},
    )
    html = render_html(report)
    kinds = re.findall(r'data-kind="([^"]+)"', html)
    assert kinds == ["retracing", "device"]
    assert html.index("train_step traced 7 times.") < html.index("predict traced twice.")
    assert "</span> Warning</span>" in html and "</span> Note</span>" in html
    assert "What to do:</b> Pass tensors." in html and "(in train_step, line 12)" in html
    assert "TensorFlow 2.20.0 · Keras 3.11.3 · GPU: GPU:0" in html
    assert "CPU only" in render_html(make_report())


@pytest.mark.parametrize("field", ["title", "message", "hint", "diagnostic", "cell_error", "environment", "check_id"])
def test_learner_text_is_escaped(field):
    check = dict(id="c", title="ok", status="fail", points=0, max_points=1, message="ok", hints=("ok",))
    extra: dict = {}
    if field == "title":
        extra["title"] = EVIL
        check["title"] = EVIL
    elif field == "message":
        check["message"] = EVIL
    elif field == "hint":
        check["hints"] = (EVIL,)
    elif field == "check_id":
        check["id"] = '"><script>alert(3)</script>'
    elif field == "diagnostic":
        extra["diagnostics"] = (Diagnostic(kind=EVIL, severity="warning", message=EVIL, fix=EVIL, function=EVIL),)
    elif field == "cell_error":
        extra["cell_error"] = CellError(EVIL, EVIL, 3, (TracebackFrame(3, EVIL, EVIL),))
    elif field == "environment":
        extra["environment"] = {"tensorflow": EVIL, "keras": EVIL, "gpus": [EVIL]}
    html = render_html(make_report(checks=(CheckResult(**check),), **extra))
    names = [t for t, _ in tags(html)]
    assert "script" not in names and "img" not in names
    assert "&lt;script&gt;" in html
