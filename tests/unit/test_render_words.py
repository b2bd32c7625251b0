"""render.words: one source of the card's words for the text, HTML and JavaScript renderers."""

from __future__ import annotations

from tfgrade.render import words
from tfgrade.widget import js_dir


def test_js_words_module_is_generated_from_words_py():
    # Regenerate with: python -m tfgrade.render.words > js/words.js
    assert (js_dir() / "words.js").read_text(encoding="utf-8") == words.js_module()


def test_summary_words():
    counts = {"pass": 1, "fail": 2, "error": 1, "skip": 1}
    assert words.summary(counts, 5, None) == ("failing", "\u2717", "3 failing, 1 skipped")
    assert words.summary({"pass": 2, "skip": 1}, 3, None) == ("skipped", "\u2013", "1 skipped")
    assert words.summary({"pass": 2}, 2, None) == ("all-passed", "\u2713", "All checks passed")
    assert words.summary({}, 0, None) == ("empty", "\u2013", "No checks ran")
    assert words.summary(counts, 5, ("SyntaxError", 3)) == ("cell-error", "!", "Your cell raised SyntaxError on line 3")
    assert words.summary(counts, 5, ("KeyError", None))[2] == "Your cell raised KeyError"


def test_verdicts_and_kinds():
    assert words.verdict_key("error", timed_out=True) == "timeout"
    assert words.verdict_key("error") == "error" and words.verdict_key("fail", timed_out=True) == "fail"
    assert words.kind_label("retracing") == "Retracing"
    assert words.kind_label("my-new_kind") == "My new kind"
