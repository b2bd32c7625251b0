// Generated from tfgrade/render/words.py by `python -m tfgrade.render.words > js/words.js`.
// Do not edit: tests/unit/test_render_words.py fails when this file and words.py differ.
export const WORDS = {
  "verdicts": {
    "pass": {
      "icon": "\u2713",
      "word": "Passed"
    },
    "fail": {
      "icon": "\u2717",
      "word": "Failed"
    },
    "error": {
      "icon": "!",
      "word": "Error"
    },
    "skip": {
      "icon": "\u2013",
      "word": "Skipped"
    },
    "timeout": {
      "icon": "\u25f7",
      "word": "Timed out"
    }
  },
  "severities": {
    "warning": {
      "icon": "\u26a0",
      "word": "Warning",
      "order": 0
    },
    "advice": {
      "icon": "\u2691",
      "word": "Advice",
      "order": 1
    },
    "info": {
      "icon": "\u2139",
      "word": "Note",
      "order": 2
    }
  },
  "diagnostic_kinds": {
    "retracing": "Retracing",
    "trace-side-effect": "Side effects while tracing",
    "device": "Devices",
    "devices": "Devices",
    "advice": "Advice",
    "output": "Output",
    "optimizer": "Optimizer",
    "optimizers": "Optimizer",
    "python-warning": "Python warnings"
  },
  "summary": {
    "cell_error": "Your cell raised {type}{where}",
    "where": " on line {line}",
    "no_checks": "No checks ran",
    "all_passed": "All checks passed",
    "failing": "{count} failing",
    "skipped": "{count} skipped",
    "joiner": ", "
  },
  "labels": {
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
    "rerun_no_answer": "No answer from the kernel yet: it is busy, or gone (then run the cell again to re-grade it)."
  }
};
