"""Plain-text rendering of a Report, for terminals and ``text/plain`` outputs."""

from __future__ import annotations

from ..report import CheckResult, Report

__all__ = ["render_text", "VERDICT_WORDS", "state_line"]

VERDICT_WORDS = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "skip": "SKIP"}
_MARKS = {"pass": "✓", "fail": "✗", "error": "!", "skip": "–"}


def _points(value: float) -> str:
    return f"{value:g}"


def state_line(report: Report) -> str:
    """One line saying how it went: all passed / n failing / the cell raised."""
    if report.cell_error is not None:
        return f"Your cell raised {report.cell_error.describe()}"
    counts = report.counts
    if not report.checks:
        return "This exercise has no checks"
    if counts["fail"] + counts["error"] == 0 and counts["skip"] == 0:
        return "All checks passed"
    parts = []
    if counts["fail"]:
        parts.append(f"{counts['fail']} failing")
    if counts["error"]:
        parts.append(f"{counts['error']} with errors")
    if counts["skip"]:
        parts.append(f"{counts['skip']} not run")
    return ", ".join(parts)


def _check_lines(check: CheckResult) -> list[str]:
    hidden = " (hidden)" if check.hidden else ""
    head = (f"  {_MARKS[check.status]} {VERDICT_WORDS[check.status]:<5} {check.title}{hidden}"
            f"  [{_points(check.points)}/{_points(check.max_points)}]")
    lines = [head]
    if check.status != "pass" and check.message:
        lines += [f"          {line}" for line in check.message.splitlines()]
    for frame in check.traceback:
        lines.append(f"          line {frame.line}: {frame.code}")
    if check.status in ("fail", "error") and check.hints:
        lines.append(f"          ({len(check.hints)} hint{'s' if len(check.hints) > 1 else ''} available in the card)")
    return lines


def render_text(report: Report, *, show_hints: bool = False) -> str:
    score = f"{_points(report.score)} / {_points(report.max_score)}"
    lines = [f"{report.title} [{report.short_id}]: {score}  ({state_line(report)})"]
    if report.cell_error is not None:
        err = report.cell_error
        lines.append(f"  Cell error: {err.describe()}")
        for frame in err.traceback:
            lines.append(f"    line {frame.line}: {frame.code}")
    for check in report.checks:
        lines += _check_lines(check)
        if show_hints:
            lines += [f"          hint {i}: {hint}" for i, hint in enumerate(check.hints, 1)]
    if report.diagnostics:
        lines.append("  Diagnostics:")
        for diag in report.diagnostics:
            where = f" ({diag.function}" + (f", line {diag.line}" if diag.line else "") + ")" if diag.function else ""
            lines.append(f"    [{diag.severity}] {diag.message}{where}")
            if diag.fix:
                lines.append(f"        fix: {diag.fix}")
    env = report.environment
    if env:
        device = ", ".join(env.get("gpus") or []) or "CPU only"
        lines.append(f"  TensorFlow {env.get('tensorflow', '?')}, Keras {env.get('keras', '?')}; ran on: {device}")
    total = report.timings.get("total")
    if total is not None:
        lines.append(f"  Took {total:.1f} s (cell {report.timings.get('cell', 0):.1f} s, checks {report.timings.get('checks', 0):.1f} s)")
    return "\n".join(lines)
