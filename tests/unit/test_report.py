"""report: the Report value, its counts / passed, and its versioned JSON."""

from __future__ import annotations

import json

import pytest

from tfgrade.report import (
    MIME_TYPE, SCHEMA, CellError, CheckResult, Diagnostic, Report, TracebackFrame,
)


def _check(id_: str, status: str, points: float = 0.0, max_points: float = 1.0, **kw) -> CheckResult:
    return CheckResult(id=id_, title=id_.replace("_", " "), status=status, points=points, max_points=max_points, **kw)


def full_report() -> Report:
    return Report(
        exercise="ex12-layer-norm", title="Layer norm", short_id="ex12", score=3.5, max_score=6.0,
        checks=(
            _check("shape", "pass", 2, 2, hints=("h1", "h2"), duration=0.01),
            _check("values", "fail", 0, 2, message="off by 0.5\nat index (0, 1)", hints=("look at eps",)),
            _check("timeout", "error", 0, 1, error_type="CheckTimeout", timed_out=True, message="stopped"),
            _check("crash", "error", 0, 0.5, error_type="TypeError", message="Your code raised TypeError",
                   traceback=(TracebackFrame(line=4, code="return x + 'a'", function="call"),)),
            _check("gpu", "skip", 0, 0.5, hidden=True, message="no GPU"),
        ),
        diagnostics=(
            Diagnostic(kind="retracing", severity="warning", message="train_step traced 5 times",
                       fix="pass tensors, not Python numbers", function="train_step", line=7,
                       details={"traces": 5, "signatures": ["(x)", "(y)"]}),
            Diagnostic(kind="advice", severity="advice", message="try tf.function", source="checks"),
        ),
        environment={"tensorflow": "2.21.0", "keras": "3.15.1", "gpus": []},
        cell_error=CellError(type="ValueError", message="bad", line=3,
                             traceback=(TracebackFrame(line=3, code="raise ValueError('bad')"),)),
        timings={"cell": 0.5, "checks": 1.0, "overhead": 0.1, "total": 1.6},
        data={"fashion_mnist": {"source": "stand-in", "train": 100, "test": 10}},
        hints_shown={"values": 1},
        general_hints=("Compare with keras.layers.LayerNormalization.",),
    )


def test_json_round_trip_is_equal():
    report = full_report()
    text = report.to_json()
    again = Report.from_json(text)
    assert again == report
    assert isinstance(again.checks, tuple) and isinstance(again.checks[3].traceback[0], TracebackFrame)
    assert isinstance(again.cell_error, CellError) and isinstance(again.diagnostics[0], Diagnostic)
    assert again.checks[0].hints == ("h1", "h2")
    assert again.general_hints == ("Compare with keras.layers.LayerNormalization.",)
    assert Report.from_json(again.to_json(indent=2)) == report


def test_round_trip_without_optional_parts():
    report = Report(exercise="q02-x", title="Q2", short_id="q02", score=0, max_score=0, checks=())
    assert Report.from_json(report.to_json()) == report


def test_json_is_plain_and_versioned():
    data = json.loads(full_report().to_json())
    assert data["schema"] == SCHEMA == "tfgrade.report/1"
    assert data["passed"] is False
    assert data["score"] == 3.5 and data["max_score"] == 6.0
    assert data["checks"][1]["status"] == "fail" and data["checks"][1]["hints"] == ["look at eps"]
    assert data["cell_error"]["line"] == 3
    assert data["checks"][2]["timed_out"] is True
    assert MIME_TYPE == "application/vnd.tfgrade.report+json"


@pytest.mark.parametrize("schema", ["tfgrade.report/2", None, "something-else"])
def test_unknown_schema_is_refused(schema):
    data = full_report().to_dict()
    if schema is None:
        del data["schema"]
    else:
        data["schema"] = schema
    with pytest.raises(ValueError, match="schema"):
        Report.from_dict(data)


def test_counts():
    assert full_report().counts == {"pass": 1, "fail": 1, "error": 2, "skip": 1}
    empty = Report(exercise="e", title="t", short_id="e", score=0, max_score=0, checks=())
    assert empty.counts == {"pass": 0, "fail": 0, "error": 0, "skip": 0}


def test_passed_needs_every_check_passing_and_no_cell_error():
    passing = Report(exercise="e", title="t", short_id="e", score=2, max_score=2,
                     checks=(_check("a", "pass", 1), _check("b", "pass", 1)))
    assert passing.passed is True
    assert Report(**{**passing.__dict__, "checks": (_check("a", "pass", 1), _check("b", "skip"))}).passed is False
    assert Report(**{**passing.__dict__, "checks": (_check("a", "pass", 1), _check("b", "error"))}).passed is False
    with_error = Report(**{**passing.__dict__, "cell_error": CellError(type="E", message="m", line=None)})
    assert with_error.passed is False


def test_check_result_passed_property():
    assert _check("a", "pass", 1).passed and not _check("a", "fail").passed


def test_with_hints_shown_returns_a_new_report():
    report = full_report()
    shown = {"values": 2}
    updated = report.with_hints_shown(shown)
    shown["values"] = 99
    assert updated.hints_shown == {"values": 2}
    assert report.hints_shown == {"values": 1}


def test_cell_error_describe():
    assert CellError(type="NameError", message="name 'x' is not defined", line=5).describe() == \
        "NameError on line 5: name 'x' is not defined"
    assert CellError(type="MemoryError", message="oom", line=None).describe() == "MemoryError: oom"
