"""The words every rendering of a Report uses: verdicts, severities, the summary line, labels.

One source for the three renderers: ``render/text.py`` and ``render/html.py`` import this
module, and the browser's ``js/words.js`` is generated from it (``python -m
tfgrade.render.words > js/words.js``); a unit test fails when the two differ.
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["VERDICTS", "SEVERITIES", "DIAGNOSTIC_KINDS", "SUMMARY", "LABELS", "WORDS",
           "verdict_key", "summary", "kind_label", "js_module"]

VERDICTS: dict[str, dict[str, str]] = {
    "pass": {"icon": "\u2713", "word": "Passed"},
    "fail": {"icon": "\u2717", "word": "Failed"},
    "error": {"icon": "!", "word": "Error"},
    "skip": {"icon": "\u2013", "word": "Skipped"},
    "timeout": {"icon": "\u25f7", "word": "Timed out"},
}

SEVERITIES: dict[str, dict[str, Any]] = {   # order: most pressing first
    "warning": {"icon": "\u26a0", "word": "Warning", "order": 0},
    "advice": {"icon": "\u2691", "word": "Advice", "order": 1},
    "info": {"icon": "\u2139", "word": "Note", "order": 2},
}

DIAGNOSTIC_KINDS: dict[str, str] = {
    "retracing": "Retracing",
    "trace-side-effect": "Side effects while tracing",
    "device": "Devices",
    "devices": "Devices",
    "advice": "Advice",
    "output": "Output",
    "optimizer": "Optimizer",
    "optimizers": "Optimizer",
    "python-warning": "Python warnings",
}

# The summary line beside the score. ``{…}`` fields are filled by summary() here and in words.js.
SUMMARY: dict[str, str] = {
    "cell_error": "Your cell raised {type}{where}",
    "where": " on line {line}",
    "no_checks": "No checks ran",
    "all_passed": "All checks passed",
    "failing": "{count} failing",
    "skipped": "{count} skipped",
    "joiner": ", ",
}

LABELS: dict[str, str] = {
    "cell_stopped": "Your cell stopped with {type}{where}",
    "cell_traceback": "Where it happened in your code",
    "check_traceback": "{type} in your code",
    "check_traceback_plain": "In your code",
    "hidden": "hidden",
    "hint_counter": "Hint {number} of {total}",
    "show_first_hint": "Show hint ({number} of {total})",
    "show_next_hint": "Show next hint ({number} of {total})",
    "exercise_hints": "Hints for this exercise",
    "diagnostics": "TensorFlow diagnostics",
    "what_to_do": "What to do: ",
    "rerun": "Re-run checks",
    "rerun_running": "Running\u2026",
    "rerun_unavailable": "Run the cell again to re-grade it: this card was saved, and its kernel is gone.",
    "rerun_failed": "Re-running the checks failed: {error}",
    "rerun_impossible": "This card cannot re-run its checks.",
    "rerun_no_answer": "No answer from the kernel yet: it is busy, or gone (then run the cell again to re-grade it).",
}

WORDS: dict[str, Any] = {
    "verdicts": VERDICTS, "severities": SEVERITIES, "diagnostic_kinds": DIAGNOSTIC_KINDS,
    "summary": SUMMARY, "labels": LABELS,
}


def verdict_key(status: str, timed_out: bool = False) -> str:
    """The VERDICTS key of a check: a check that ran out of time is its own verdict."""
    return "timeout" if status == "error" and timed_out else status


def summary(counts: dict[str, int], n_checks: int, cell_error: tuple[str, int | None] | None) -> tuple[str, str, str]:
    """(css key, icon, words) for how the run went as a whole; ``cell_error`` is (type, line)."""
    if cell_error is not None:
        kind, line = cell_error
        where = SUMMARY["where"].format(line=line) if line else ""
        return "cell-error", "!", SUMMARY["cell_error"].format(type=kind, where=where)
    if not n_checks:
        return "empty", VERDICTS["skip"]["icon"], SUMMARY["no_checks"]
    failing = counts.get("fail", 0) + counts.get("error", 0)
    skipped = counts.get("skip", 0)
    if failing == 0 and skipped == 0:
        return "all-passed", VERDICTS["pass"]["icon"], SUMMARY["all_passed"]
    parts = ([SUMMARY["failing"].format(count=failing)] if failing else []) + (
        [SUMMARY["skipped"].format(count=skipped)] if skipped else [])
    icon = VERDICTS["fail" if failing else "skip"]["icon"]
    return ("failing" if failing else "skipped"), icon, SUMMARY["joiner"].join(parts)


def kind_label(kind: str) -> str:
    """A heading for a group of diagnostics of ``kind``."""
    if kind in DIAGNOSTIC_KINDS:
        return DIAGNOSTIC_KINDS[kind]
    words = (kind or "other").replace("-", " ").replace("_", " ")
    return words[:1].upper() + words[1:]


def js_module() -> str:
    """The text of ``js/words.js``."""
    body = json.dumps(WORDS, indent=2, ensure_ascii=True)
    return (
        "// Generated from tfgrade/render/words.py by `python -m tfgrade.render.words > js/words.js`.\n"
        "// Do not edit: tests/unit/test_render_words.py fails when this file and words.py differ.\n"
        f"export const WORDS = {body};\n"
    )


if __name__ == "__main__":
    sys.stdout.write(js_module())
