"""The results card as self-contained HTML: inline ``<style>``, no JavaScript.

Used as the ``text/html`` beside the live widget, so nbconvert, nbviewer, GitHub and
nbgrader feedback show the whole result. Rows with something to say open with
``<details>``/``<summary>``, which work without scripts; failing rows start open. Hints
nest so that each one is revealed only after the one before, and those the learner
revealed start open. Words come from :mod:`tfgrade.render.words`; everything taken from
the Report is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any, Iterable

from ..report import CellError, CheckResult, Diagnostic, Report, TracebackFrame
from .words import LABELS, SEVERITIES, VERDICTS, kind_label, summary, verdict_key

__all__ = ["render_html", "STYLE"]

STYLE = """
.tfgrade-static{--tfg-fg:var(--jp-ui-font-color1,var(--vscode-editor-foreground,#1f2328));
--tfg-muted:var(--jp-ui-font-color2,var(--vscode-descriptionForeground,#59636e));
--tfg-bg:var(--jp-layout-color1,var(--vscode-editor-background,#fff));
--tfg-raised:var(--jp-layout-color2,var(--vscode-editorWidget-background,#f6f8fa));
--tfg-border:var(--jp-border-color2,var(--vscode-panel-border,#d1d9e0));
--tfg-accent:var(--jp-brand-color1,var(--vscode-button-background,#0969da));
--tfg-pass:var(--jp-success-color1,var(--vscode-testing-iconPassed,#1a7f37));
--tfg-fail:var(--jp-error-color1,var(--vscode-testing-iconFailed,#cf222e));
--tfg-warn:var(--jp-warn-color1,var(--vscode-editorWarning-foreground,#9a6700));
--tfg-info:var(--jp-info-color1,var(--vscode-editorInfo-foreground,#0969da));
--tfg-mono:var(--jp-code-font-family,var(--vscode-editor-font-family,ui-monospace,Menlo,Consolas,monospace));
box-sizing:border-box;max-width:56rem;margin:4px 0;color:var(--tfg-fg);background:var(--tfg-bg);
border:1px solid var(--tfg-border);border-left:4px solid var(--tfg-accent);border-radius:6px;
font-family:var(--jp-ui-font-family,var(--vscode-font-family,system-ui,sans-serif));
font-size:var(--jp-ui-font-size1,var(--vscode-font-size,13px));line-height:1.45;overflow:hidden}
.tfgrade-static *{box-sizing:border-box}
.tfgrade-static.tfg-all-passed{border-left-color:var(--tfg-pass)}
.tfgrade-static.tfg-failing,.tfgrade-static.tfg-cell-error{border-left-color:var(--tfg-fail)}
.tfgrade-static .tfg-header{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;
gap:6px 16px;padding:10px 14px;background:var(--tfg-raised);border-bottom:1px solid var(--tfg-border)}
.tfgrade-static .tfg-heading{display:flex;align-items:baseline;gap:8px;flex:1 1 16rem;min-width:0}
.tfgrade-static .tfg-badge{font-family:var(--tfg-mono);font-size:.85em;padding:1px 6px;border-radius:4px;
border:1px solid var(--tfg-border);color:var(--tfg-muted)}
.tfgrade-static .tfg-title{font-weight:600;font-size:1.1em;overflow-wrap:break-word}
.tfgrade-static .tfg-summary{display:flex;flex-wrap:wrap;align-items:center;gap:6px 12px}
.tfgrade-static .tfg-score{white-space:nowrap;font-variant-numeric:tabular-nums;color:var(--tfg-muted);font-weight:600}
.tfgrade-static .tfg-score b{font-size:1.35em;color:var(--tfg-fg)}
.tfgrade-static .tfg-bar{display:inline-block;width:7rem;height:8px;border-radius:4px;background:var(--tfg-border);overflow:hidden}
.tfgrade-static .tfg-bar span{display:block;height:100%;background:var(--tfg-accent)}
.tfgrade-static.tfg-all-passed .tfg-bar span{background:var(--tfg-pass)}
.tfgrade-static.tfg-failing .tfg-bar span,.tfgrade-static.tfg-cell-error .tfg-bar span{background:var(--tfg-warn)}
.tfgrade-static .tfg-state{font-weight:600;white-space:nowrap}
.tfgrade-static.tfg-all-passed .tfg-state{color:var(--tfg-pass)}
.tfgrade-static.tfg-failing .tfg-state,.tfgrade-static.tfg-cell-error .tfg-state{color:var(--tfg-fail)}
.tfgrade-static .tfg-time{color:var(--tfg-muted);white-space:nowrap}
.tfgrade-static .tfg-cell-error-box{margin:10px 14px 0;padding:8px 10px;border:1px solid var(--tfg-fail);border-radius:6px}
.tfgrade-static .tfg-cell-error-box>strong{color:var(--tfg-fail)}
.tfgrade-static ol.tfg-checks{list-style:none;margin:0;padding:6px 0}
.tfgrade-static li.tfg-check+li.tfg-check{border-top:1px solid var(--tfg-border)}
.tfgrade-static .tfg-row{display:grid;grid-template-columns:1em 7.2em minmax(0,1fr) auto;gap:8px;
align-items:baseline;padding:6px 14px}
.tfgrade-static summary.tfg-row{cursor:pointer;list-style:none}
.tfgrade-static summary.tfg-row::-webkit-details-marker{display:none}
.tfgrade-static summary.tfg-row::before{content:"\\25B8";color:var(--tfg-muted)}
.tfgrade-static details[open]>summary.tfg-row::before{content:"\\25BE"}
.tfgrade-static div.tfg-row::before{content:""}
.tfgrade-static .tfg-verdict{font-weight:600;white-space:nowrap}
.tfgrade-static .tfg-pass .tfg-verdict{color:var(--tfg-pass)}
.tfgrade-static .tfg-fail .tfg-verdict,.tfgrade-static .tfg-error .tfg-verdict,.tfgrade-static .tfg-timeout .tfg-verdict{color:var(--tfg-fail)}
.tfgrade-static .tfg-skip .tfg-verdict{color:var(--tfg-muted)}
.tfgrade-static .tfg-check-title{min-width:0;overflow-wrap:break-word}
.tfgrade-static .tfg-tag{margin-left:6px;padding:0 5px;border:1px solid var(--tfg-border);border-radius:3px;font-size:.8em;color:var(--tfg-muted)}
.tfgrade-static .tfg-points{color:var(--tfg-muted);white-space:nowrap;font-variant-numeric:tabular-nums}
.tfgrade-static .tfg-body{padding:2px 14px 10px calc(22px + 1em)}
.tfgrade-static pre.tfg-message{margin:0 0 8px;padding:8px 10px;white-space:pre-wrap;overflow-wrap:break-word;word-break:normal;
font-family:var(--tfg-mono);font-size:var(--jp-code-font-size,12.5px);background:var(--tfg-raised);
border-left:3px solid var(--tfg-border);border-radius:4px;color:var(--tfg-fg)}
.tfgrade-static .tfg-fail pre.tfg-message,.tfgrade-static .tfg-error pre.tfg-message,.tfgrade-static .tfg-timeout pre.tfg-message,
.tfgrade-static .tfg-cell-error-box pre.tfg-message{border-left-color:var(--tfg-fail)}
.tfgrade-static .tfg-frames{list-style:none;margin:0 0 8px;padding:0;font-family:var(--tfg-mono);font-size:var(--jp-code-font-size,12.5px)}
.tfgrade-static .tfg-frames .tfg-where{color:var(--tfg-muted);margin-right:10px}
.tfgrade-static .tfg-label{color:var(--tfg-muted);font-size:.9em}
.tfgrade-static details.tfg-hint>summary{cursor:pointer;color:var(--tfg-info);font-weight:600;margin:4px 0}
.tfgrade-static .tfg-hint-text{padding:6px 10px;border:1px dashed var(--tfg-info);border-radius:4px;margin:4px 0}
.tfgrade-static .tfg-exercise-hints{padding:8px 14px 10px;border-top:1px solid var(--tfg-border)}
.tfgrade-static .tfg-exercise-hints ul{margin:4px 0 0;padding-left:1.4em}
.tfgrade-static .tfg-diagnostics{padding:8px 14px 10px;border-top:1px solid var(--tfg-border)}
.tfgrade-static .tfg-kind{color:var(--tfg-muted);font-size:.85em;text-transform:uppercase;letter-spacing:.04em;margin-top:6px}
.tfgrade-static ul.tfg-diags{list-style:none;margin:2px 0 0;padding:0}
.tfgrade-static ul.tfg-diags li{display:grid;grid-template-columns:7.2em minmax(0,1fr);gap:8px;padding:2px 0}
.tfgrade-static .tfg-sev{font-weight:600;white-space:nowrap}
.tfgrade-static .tfg-sev-warning .tfg-sev{color:var(--tfg-warn)}
.tfgrade-static .tfg-sev-advice .tfg-sev{color:var(--tfg-accent)}
.tfgrade-static .tfg-sev-info .tfg-sev{color:var(--tfg-info)}
.tfgrade-static .tfg-fix{display:block;color:var(--tfg-muted)}
.tfgrade-static .tfg-footer{padding:8px 14px;border-top:1px solid var(--tfg-border);background:var(--tfg-raised);
color:var(--tfg-muted);font-size:.9em}
@media (max-width:34rem){.tfgrade-static .tfg-row{grid-template-columns:1em minmax(0,1fr) auto}
.tfgrade-static .tfg-row .tfg-check-title{grid-column:2/4;grid-row:2}
.tfgrade-static .tfg-body{padding-left:14px}.tfgrade-static ul.tfg-diags li{grid-template-columns:1fr;gap:0}}
"""


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _points(value: float) -> str:
    return f"{round(float(value), 2):g}"


def _duration(seconds: float) -> str:
    if seconds < 0.001:
        return "< 1 ms"
    if seconds < 1:
        return f"{round(seconds * 1000)} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes = int(seconds // 60)
    return f"{minutes} min {round(seconds - 60 * minutes)} s"


def _overall(report: Report) -> tuple[str, str, str]:
    """(css key, icon, words) for how it went as a whole."""
    err = report.cell_error
    return summary(report.counts, len(report.checks), (err.type, err.line) if err is not None else None)


def environment_line(env: dict[str, Any]) -> str:
    """``TensorFlow 2.20.0 · Keras 3.11.3 · CPU only · Python 3.11.2`` (plain text)."""
    parts: list[str] = []
    if env.get("tensorflow"):
        parts.append(f"TensorFlow {env['tensorflow']}")
    if env.get("keras"):
        legacy = " (legacy tf.keras)" if env.get("keras_flavour") == "tf_keras" else ""
        parts.append(f"Keras {env['keras']}{legacy}")
    gpus = [str(g).removeprefix("/physical_device:") for g in env.get("gpus") or ()]
    if gpus:
        parts.append("GPU: " + ", ".join(gpus))
    elif env.get("tensorflow"):
        parts.append("CPU only")
    if env.get("python"):
        parts.append(f"Python {env['python']}")
    if env.get("functions_run_eagerly"):
        parts.append("tf.function runs eagerly")
    return " \u00b7 ".join(parts)


def _frames(frames: Iterable[TracebackFrame], label: str) -> str:
    items = []
    for f in frames:
        where = f"line {f.line}" + (f", in {f.function}" if f.function not in ("<cell>", "<module>") else "")
        items.append(f'<li><span class="tfg-where">{_e(where)}</span><code>{_e(f.code)}</code></li>')
    if not items:
        return ""
    return f'<div class="tfg-label">{_e(label)}</div><ol class="tfg-frames">{"".join(items)}</ol>'


def _hints(check: CheckResult, shown: int) -> str:
    """Nested ``<details>``: hint n+1 can only be opened from inside hint n; revealed ones start open."""
    total = len(check.hints)
    html = ""
    for number in range(total, 0, -1):
        text = check.hints[number - 1]
        opened = " open" if number <= shown else ""
        label = LABELS["show_first_hint" if number == 1 else "show_next_hint"].format(number=number, total=total)
        html = (
            f'<details class="tfg-hint"{opened}><summary>{_e(label)}</summary>'
            f'<div class="tfg-hint-text">{_e(text)}</div>{html}</details>'
        )
    return html


def _check(check: CheckResult, hints_shown: int) -> str:
    key = verdict_key(check.status, check.timed_out)
    verdict = VERDICTS.get(key, {"icon": "?", "word": str(check.status)})
    hidden = f'<span class="tfg-tag">{_e(LABELS["hidden"])}</span>' if check.hidden else ""
    cells = (
        f'<span class="tfg-verdict"><span aria-hidden="true">{verdict["icon"]}</span> {_e(verdict["word"])}</span>'
        f'<span class="tfg-check-title">{_e(check.title or check.id)}{hidden}</span>'
        f'<span class="tfg-points">{_points(check.points)} / {_points(check.max_points)}</span>'
    )
    body = ""
    if check.message:
        body += f'<pre class="tfg-message">{_e(check.message)}</pre>'
    label = (LABELS["check_traceback"].format(type=check.error_type) if check.error_type
             else LABELS["check_traceback_plain"])
    body += _frames(check.traceback, label)
    if check.status != "pass":   # hints help with what is still wrong
        body += _hints(check, hints_shown)
    attrs = f'class="tfg-check tfg-{key}" data-check-id="{_e(check.id)}" data-status="{_e(check.status)}"'
    if not body:
        return f'<li {attrs}><div class="tfg-row">{cells}</div></li>'
    # What did not pass starts open: its message and hints are what the learner needs next.
    opened = " open" if check.status in ("fail", "error") else ""
    return (f'<li {attrs}><details{opened}><summary class="tfg-row">{cells}</summary>'
            f'<div class="tfg-body">{body}</div></details></li>')


def _cell_error(err: CellError | None) -> str:
    if err is None:
        return ""
    where = f" on line {err.line}" if err.line else ""
    title = LABELS["cell_stopped"].format(type=err.type, where=where)
    message = f'<pre class="tfg-message">{_e(err.message)}</pre>' if err.message else ""
    return (
        f'<div class="tfg-cell-error-box" role="alert"><strong>! {_e(title)}</strong>'
        f'{message}{_frames(err.traceback, LABELS["cell_traceback"])}</div>'
    )


def _exercise_hints(report: Report) -> str:
    if not report.general_hints or report.passed:
        return ""
    items = "".join(f"<li>{_e(hint)}</li>" for hint in report.general_hints)
    return (f'<div class="tfg-exercise-hints"><strong>{_e(LABELS["exercise_hints"])}</strong>'
            f'<ul>{items}</ul></div>')


def _diagnostics(diagnostics: Iterable[Diagnostic]) -> str:
    groups: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        groups.setdefault(d.kind or "other", []).append(d)
    if not groups:
        return ""

    def rank(d: Diagnostic) -> int:
        return SEVERITIES.get(d.severity, SEVERITIES["info"])["order"]

    parts = [f'<div class="tfg-diagnostics"><strong>{_e(LABELS["diagnostics"])}</strong>']
    for kind, items in sorted(groups.items(), key=lambda kv: min(rank(d) for d in kv[1])):
        parts.append(f'<div class="tfg-kind">{_e(kind_label(kind))}</div><ul class="tfg-diags" data-kind="{_e(kind)}">')
        for d in sorted(items, key=rank):
            severity = d.severity if d.severity in SEVERITIES else "info"
            icon, word = SEVERITIES[severity]["icon"], SEVERITIES[severity]["word"]
            where = ", ".join(p for p in (f"in {d.function}" if d.function else "", f"line {d.line}" if d.line else "") if p)
            fix = f'<span class=tfg-fix><b>{_e(LABELS["what_to_do"].strip())}</b> {_e(d.fix)}</span>' if d.fix else ""
            parts.append(
                f'<li class="tfg-sev-{severity}"><span class="tfg-sev">'
                f'<span aria-hidden="true">{icon}</span> {_e(word)}</span>'
                f'<span>{_e(d.message)}{f" ({_e(where)})" if where else ""}{fix}</span></li>'
            )
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def render_html(report: Report) -> str:
    """The whole card for ``report`` as one self-contained HTML fragment."""
    key, icon, state = _overall(report)
    pct = 0.0 if report.max_score <= 0 else max(0.0, min(100.0, 100.0 * report.score / report.max_score))
    total = report.timings.get("total")
    time_html = f'<span class="tfg-time">{_e(_duration(float(total)))}</span>' if total is not None else ""
    badge = f'<span class="tfg-badge">{_e(report.short_id)}</span>' if report.short_id else ""
    env = environment_line(report.environment)
    checks = "".join(_check(c, int(report.hints_shown.get(c.id, 0))) for c in report.checks)
    score, max_score = _points(report.score), _points(report.max_score)
    return (
        f"<style>{STYLE}</style>"
        f'<div class="tfgrade-static tfg-{key}" role="region" aria-label="tfgrade results for {_e(report.short_id or report.exercise)}"'
        f' data-exercise="{_e(report.exercise)}">'
        f'<div class="tfg-header"><div class="tfg-heading">{badge}<span class="tfg-title">{_e(report.title or report.exercise)}</span></div>'
        f'<div class="tfg-summary"><span class="tfg-score" aria-label="Score {score} out of {max_score}"><b>{score}</b> / {max_score}</span>'
        f'<span class="tfg-bar" role="progressbar" aria-valuemin="0" aria-valuemax="{max_score}" aria-valuenow="{score}">'
        f'<span style="width:{pct:.1f}%"></span></span>'
        f'<span class="tfg-state"><span aria-hidden="true">{icon}</span> {_e(state)}</span>{time_html}</div></div>'
        f"{_cell_error(report.cell_error)}"
        f'{f"<ol class=tfg-checks>{checks}</ol>" if checks else ""}'
        f"{_exercise_hints(report)}"
        f"{_diagnostics(report.diagnostics)}"
        f'{f"<div class=tfg-footer>{_e(env)}</div>" if env else ""}'
        "</div>"
    )
