"""Plain-text rendering of a Report, for terminals and ``text/plain`` outputs."""

from __future__ import annotations

from ..report import CheckResult, Report
from .words import LABELS, SEVERITIES, VERDICTS, summary, verdict_key

__all__ = ["render_text", "state_line"]


def _points(value: float) -> str:
    return f"{round(float(value), 2):g}"


def state_line(report: Report) -> str:
    """One line saying how it went, in the same words as the HTML card and the widget."""
    err = report.cell_error
    _key, _icon, words = summary(report.counts, len(report.checks), (err.type, err.line) if err is not None else None)
    return words


def _check_lines(check: CheckResult) -> list[str]:
    hidden = f" ({LABELS['hidden']})" if check.hidden else ""
    verdict = VERDICTS.get(verdict_key(check.status, check.timed_out), {"icon": "?", "word": str(check.status)})
    head = (f"  {verdict['icon']} {verdict['word']:<9} {check.title}{hidden}"
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
        where = f" on line {err.line}" if err.line else ""
        lines.append(f"  {LABELS['cell_stopped'].format(type=err.type, where=where)}: {err.message}")
        for frame in err.traceback:
            lines.append(f"    line {frame.line}: {frame.code}")
    for check in report.checks:
        lines += _check_lines(check)
        if show_hints:
            lines += [f"          hint {i}: {hint}" for i, hint in enumerate(check.hints, 1)]
    if report.general_hints and not report.passed:
        lines.append(f"  {LABELS['exercise_hints']}:")
        lines += [f"    - {hint}" for hint in report.general_hints]
    if report.diagnostics:
        lines.append(f"  {LABELS['diagnostics']}:")
        for diag in report.diagnostics:
            where = f" ({diag.function}" + (f", line {diag.line}" if diag.line else "") + ")" if diag.function else ""
            word = SEVERITIES.get(diag.severity, SEVERITIES["info"])["word"]
            lines.append(f"    [{word}] {diag.message}{where}")
            if diag.fix:
                lines.append(f"        {LABELS['what_to_do']}{diag.fix}")
    env = report.environment
    if env:
        device = ", ".join(env.get("gpus") or []) or "CPU only"
        lines.append(f"  TensorFlow {env.get('tensorflow', '?')}, Keras {env.get('keras', '?')}; ran on: {device}")
    total = report.timings.get("total")
    if total is not None:
        lines.append(f"  Took {total:.1f} s (cell {report.timings.get('cell', 0):.1f} s, checks {report.timings.get('checks', 0):.1f} s)")
    return "\n".join(lines)
