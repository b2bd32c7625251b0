"""magic: `%tfcheck list` / `show` and option parsing, in an in-process IPython shell (no kernel)."""

from __future__ import annotations

import re

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from tfgrade.magic import TfcheckMagics
from tfgrade.report import CheckResult, Report


@pytest.fixture
def magics(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for var in ("TFGRADE_TIME_SCALE", "TFGRADE_SEED", "TFGRADE_EXERCISES"):
        monkeypatch.delenv(var, raising=False)
    return TfcheckMagics(InteractiveShell.instance())


def _report(exercise: str, score: float, max_score: float, hidden: bool) -> Report:
    checks = [CheckResult(id="a", title="A", status="pass", points=score, max_points=max_score, hidden=hidden)]
    return Report(exercise=exercise, title="t", short_id="q03", score=score, max_score=max_score, checks=tuple(checks))


@pytest.mark.parametrize("name, words", [("q03", "tf.range(10)"), ("ex12", "LayerNormalization")])
def test_show_displays_the_prompt(magics, monkeypatch, name, words):
    shown = []
    monkeypatch.setattr("tfgrade.magic.display", lambda obj, **kw: shown.append(obj))
    magics.tfcheck(f"show {name}")
    [markdown] = shown
    assert words in markdown.data and f"%%tfcheck {name}" in markdown.data
    assert re.search(r"## Checks: \d+ points", markdown.data) and re.search(r"\(\d+ pts?\)", markdown.data)
    assert "def check_" not in markdown.data


@pytest.mark.parametrize("line, expected", [
    ("show", "Which exercise?"),
    ("show nope-xyz", "`%tfcheck list`"),
    ("q03 --time-scale 0", "positive number"),
    ("q03 --time-scale abc", "needs a number"),
    ("q03 --seed x", "whole number"),
    ("q03 --bogus", "Unknown option"),
    ('q03 "unclosed', "No closing quotation"),
])
def test_bad_lines_are_usage_errors(magics, line, expected):
    with pytest.raises(UsageError) as info:
        magics.tfcheck(line, None if line.startswith("show") else "x = 1\n")
    assert expected in str(info.value)
    assert "tfgrade list" not in str(info.value).replace("%tfcheck list", "")


@pytest.mark.parametrize("var, value", [("TFGRADE_TIME_SCALE", "abc"), ("TFGRADE_TIME_SCALE", "0"),
                                        ("TFGRADE_SEED", "x")])
def test_bad_environment_values_are_usage_errors(magics, monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(UsageError) as info:
        magics.tfcheck("q03", "x = 1\n")
    assert var in str(info.value) and "\n" not in str(info.value)


def test_list_keeps_totals_with_and_without_hidden_checks_apart(magics, capsys):
    magics.session.record(_report("q03-dtypes", 7, 7, hidden=False))
    magics.session.record(_report("q03-dtypes", 5, 9, hidden=True))
    magics.session.record(_report("q03-dtypes", 6, 7, hidden=False))    # worse than the best: kept out
    magics.tfcheck("list")
    [row] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("q03")]
    assert "best: 7 / 7; with hidden checks: 5 / 9" in row
