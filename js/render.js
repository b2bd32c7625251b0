// tfgrade results card: Report JSON + UI state -> DOM. Pure: no model, no globals.
//
// renderCard(doc, report, state) builds a fresh element from its arguments only.
// Interactive controls carry data-action attributes; widget.js listens for clicks on
// the card and turns them into new UI state with applyAction(), then renders again.
// All learner text goes in through textContent, never innerHTML.

import { WORDS } from "./words.js";

// The words come from tfgrade/render/words.py (js/words.js is generated from it).
export const VERDICTS = WORDS.verdicts;
export const SEVERITIES = WORDS.severities;
const LABELS = WORDS.labels;

/** Fill "{name}" fields of a words.py template. */
export function fill(template, values) {
  return String(template).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** Checks that did not pass and have something to show: their rows start open. */
export function failingIds(report) {
  return (report && report.checks ? report.checks : [])
    .filter((c) => c.status === "fail" || c.status === "error")
    .map((c) => c.id);
}

/** The UI state a card starts with; anything missing falls back to these. */
export function initialState(report) {
  return {
    hintsShown: { ...((report && report.hints_shown) || {}) },
    expanded: Object.fromEntries(failingIds(report).map((id) => [id, true])),
    running: false,
    progress: {},
    canRerun: false,
    rerunUnavailable: false,   // a card restored from a saved notebook: no kernel holds its cell
    rerunError: "",
  };
}

/** Pure UI-state transitions for the card's controls. Returns a new state. */
export function applyAction(state, report, action) {
  const check = (report.checks || []).find((c) => c.id === action.checkId);
  switch (action.type) {
    case "toggle": {
      const open = isExpanded(state, action.checkId);
      return { ...state, expanded: { ...state.expanded, [action.checkId]: !open } };
    }
    case "hint": {
      if (!check) return state;
      const shown = Math.min(hintCount(state, check) + 1, (check.hints || []).length);
      return {
        ...state,
        hintsShown: { ...state.hintsShown, [check.id]: shown },
        expanded: { ...state.expanded, [check.id]: true },
      };
    }
    case "rerun":
      return state.running || !state.canRerun ? state : { ...state, running: true, rerunError: "", progress: {} };
    default:
      return state;
  }
}

export function isExpanded(state, checkId) {
  return Boolean(state.expanded && state.expanded[checkId]);
}

export function hintCount(state, check) {
  const raw = Number((state.hintsShown || {})[check.id] || 0);
  return Math.max(0, Math.min(Number.isFinite(raw) ? raw : 0, (check.hints || []).length));
}

// -- formatting ----------------------------------------------------------------------

/** 7, 7.5, 0.25: at most two decimals, no trailing zeros. */
export function formatPoints(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return "0";
  return String(Math.round(n * 100) / 100);
}

export function formatDuration(seconds) {
  const s = Number(seconds);
  if (!Number.isFinite(s) || s < 0) return "";
  if (s < 0.001) return "< 1 ms";
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const minutes = Math.floor(s / 60);
  return `${minutes} min ${Math.round(s - minutes * 60)} s`;
}

export function verdictOf(check) {
  const key = check.status === "error" && check.timed_out ? "timeout" : check.status;
  return VERDICTS[key] || { icon: "?", word: String(check.status || "Unknown") };
}

/** "all-passed" | "failing" | "skipped" | "cell-error" | "empty", and the words for it (words.py's summary()). */
export function overallState(report) {
  const checks = report.checks || [];
  const words = WORDS.summary;
  const failing = checks.filter((c) => c.status === "fail" || c.status === "error").length;
  const skipped = checks.filter((c) => c.status === "skip").length;
  if (report.cell_error) {
    const err = report.cell_error;
    const where = err.line ? fill(words.where, { line: err.line }) : "";
    return { key: "cell-error", icon: "!", text: fill(words.cell_error, { type: err.type, where }) };
  }
  if (!checks.length) return { key: "empty", icon: VERDICTS.skip.icon, text: words.no_checks };
  if (failing === 0 && skipped === 0) return { key: "all-passed", icon: VERDICTS.pass.icon, text: words.all_passed };
  const parts = [];
  if (failing) parts.push(fill(words.failing, { count: failing }));
  if (skipped) parts.push(fill(words.skipped, { count: skipped }));
  return {
    key: failing ? "failing" : "skipped",
    icon: VERDICTS[failing ? "fail" : "skip"].icon,
    text: parts.join(words.joiner),
  };
}

export function environmentText(env) {
  if (!env || typeof env !== "object") return "";
  const parts = [];
  if (env.tensorflow) parts.push(`TensorFlow ${env.tensorflow}`);
  if (env.keras) {
    const legacy = env.keras_flavour === "tf_keras" ? " (legacy tf.keras)" : "";
    parts.push(`Keras ${env.keras}${legacy}`);
  }
  const gpus = Array.isArray(env.gpus) ? env.gpus : [];
  if (gpus.length) {
    parts.push(`GPU: ${gpus.map((g) => String(g).replace(/^\/physical_device:/, "")).join(", ")}`);
  } else if (env.tensorflow) {
    parts.push("CPU only");
  }
  if (env.python) parts.push(`Python ${env.python}`);
  if (env.functions_run_eagerly) parts.push("tf.function runs eagerly");
  return parts.join(" \u00B7 ");
}

export function progressText(report, progress) {
  if (!progress || progress.total === undefined || progress.total === null) return "Running checks\u2026";
  const total = Number(progress.total) || 0;
  const index = Math.min(Number(progress.index || 0) + 1, Math.max(total, 1));
  const check = (report.checks || []).find((c) => c.id === progress.check);
  const name = check ? check.title : String(progress.check || "").replace(/_/g, " ");
  return name ? `Running check ${index} of ${total}: ${name}` : `Running check ${index} of ${total}`;
}

function kindLabel(kind) {
  if (WORDS.diagnostic_kinds[kind]) return WORDS.diagnostic_kinds[kind];
  const words = String(kind || "other").replace(/[-_]/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// -- DOM helpers -------------------------------------------------------------------

function h(doc, tag, attrs, ...children) {
  const node = doc.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === "string" ? doc.createTextNode(child) : child);
  }
  return node;
}

function safeId(text) {
  return String(text).replace(/[^A-Za-z0-9_-]/g, "_");
}

function tracebackList(doc, frames, label) {
  if (!frames || !frames.length) return null;
  return h(doc, "div", { className: "tfg-traceback" },
    h(doc, "div", { className: "tfg-traceback-label", text: label }),
    h(doc, "ol", { className: "tfg-frames" },
      frames.map((f) => h(doc, "li", { className: "tfg-frame" },
        h(doc, "span", { className: "tfg-frame-where",
          text: `line ${f.line}${f.function && f.function !== "<cell>" && f.function !== "<module>" ? `, in ${f.function}` : ""}` }),
        h(doc, "code", { className: "tfg-frame-code", text: f.code || "" }),
      )),
    ),
  );
}

// -- the card -------------------------------------------------------------------------

function header(doc, report) {
  const score = Number(report.score) || 0;
  const max = Number(report.max_score) || 0;
  const pct = max > 0 ? Math.max(0, Math.min(100, (score / max) * 100)) : 0;
  const state = overallState(report);
  const total = report.timings && report.timings.total;
  return h(doc, "div", { className: "tfg-header" },
    h(doc, "div", { className: "tfg-heading" },
      report.short_id ? h(doc, "span", { className: "tfg-badge", text: report.short_id }) : null,
      h(doc, "span", { className: "tfg-title", role: "heading", "aria-level": "3", text: report.title || report.exercise || "Exercise" }),
    ),
    h(doc, "div", { className: "tfg-summary" },
      h(doc, "span", { className: "tfg-score", "aria-label": `Score ${formatPoints(score)} out of ${formatPoints(max)}` },
        h(doc, "span", { className: "tfg-score-got", text: formatPoints(score) }),
        h(doc, "span", { className: "tfg-score-sep", text: " / " }),
        h(doc, "span", { className: "tfg-score-max", text: formatPoints(max) }),
      ),
      h(doc, "span", {
        className: "tfg-bar", role: "progressbar", "aria-label": "Score",
        "aria-valuemin": "0", "aria-valuemax": formatPoints(max), "aria-valuenow": formatPoints(score),
      }, h(doc, "span", { className: "tfg-bar-fill", style: `width: ${pct.toFixed(1)}%` })),
      h(doc, "span", { className: `tfg-state tfg-state-${state.key}` },
        h(doc, "span", { className: "tfg-icon", "aria-hidden": "true", text: state.icon }), " ",
        h(doc, "span", { className: "tfg-state-text", text: state.text }),
      ),
      total !== undefined && total !== null
        ? h(doc, "span", { className: "tfg-time", title: timingTitle(report.timings), text: formatDuration(total) })
        : null,
    ),
  );
}

function timingTitle(timings) {
  const parts = [];
  if (timings.cell !== undefined) parts.push(`cell ${formatDuration(timings.cell)}`);
  if (timings.checks !== undefined) parts.push(`checks ${formatDuration(timings.checks)}`);
  return parts.length ? `Time taken: ${parts.join(", ")}` : "Time taken";
}

function cellErrorBlock(doc, err) {
  if (!err) return null;
  const where = err.line ? ` on line ${err.line}` : "";
  return h(doc, "div", { className: "tfg-cell-error", role: "alert" },
    h(doc, "div", { className: "tfg-cell-error-title" },
      h(doc, "span", { className: "tfg-icon", "aria-hidden": "true", text: "!" }), " ",
      h(doc, "span", { text: fill(LABELS.cell_stopped, { type: err.type, where }) }),
    ),
    err.message ? h(doc, "pre", { className: "tfg-message", text: err.message }) : null,
    tracebackList(doc, err.traceback, LABELS.cell_traceback),
  );
}

function hintsBlock(doc, check, state) {
  const hints = check.status === "pass" ? [] : check.hints || [];
  if (!hints.length) return null;
  const shown = hintCount(state, check);
  const items = hints.slice(0, shown).map((text, i) => h(doc, "li", {
    className: "tfg-hint", tabindex: "-1", "data-focus-key": `hint:${check.id}:${i}`,
  },
  h(doc, "span", { className: "tfg-hint-label", text: fill(LABELS.hint_counter, { number: i + 1, total: hints.length }) }),
  h(doc, "span", { className: "tfg-hint-text", text }),
  ));
  const more = shown < hints.length;
  return h(doc, "div", { className: "tfg-hints" },
    items.length ? h(doc, "ol", { className: "tfg-hint-list", "aria-live": "polite" }, items) : null,
    more
      ? h(doc, "button", {
        type: "button", className: "tfg-button tfg-hint-button", "data-action": "hint",
        "data-check-id": check.id, "data-focus-key": `hint-button:${check.id}`,
        text: fill(shown === 0 ? LABELS.show_first_hint : LABELS.show_next_hint, { number: shown + 1, total: hints.length }),
      })
      : null,
  );
}

function checkRow(doc, check, state, index) {
  const verdict = verdictOf(check);
  const statusClass = check.status === "error" && check.timed_out ? "timeout" : check.status;
  const hasHints = check.status !== "pass" && check.hints && check.hints.length > 0;
  const hasBody = Boolean(check.message) || (check.traceback && check.traceback.length > 0) || hasHints;
  const open = hasBody && isExpanded(state, check.id);
  const bodyId = `tfg-body-${safeId(check.id)}-${index}`;
  const headChildren = [
    h(doc, "span", { className: "tfg-verdict" },
      h(doc, "span", { className: "tfg-icon", "aria-hidden": "true", text: verdict.icon }), " ",
      h(doc, "span", { className: "tfg-verdict-word", text: verdict.word }),
    ),
    h(doc, "span", { className: "tfg-check-title" },
      h(doc, "span", { text: check.title || check.id }),
      check.hidden ? h(doc, "span", { className: "tfg-tag", text: LABELS.hidden }) : null,
    ),
    h(doc, "span", { className: "tfg-points", "aria-label": `${formatPoints(check.points)} of ${formatPoints(check.max_points)} points`,
      text: `${formatPoints(check.points)} / ${formatPoints(check.max_points)}` }),
  ];
  const head = hasBody
    ? h(doc, "button", {
      type: "button", className: "tfg-check-head", "data-action": "toggle", "data-check-id": check.id,
      "data-focus-key": `toggle:${check.id}`, "aria-expanded": open ? "true" : "false", "aria-controls": bodyId,
    }, h(doc, "span", { className: "tfg-chevron", "aria-hidden": "true", text: "\u25B8" }), headChildren)
    : h(doc, "div", { className: "tfg-check-head" }, h(doc, "span", { className: "tfg-chevron", "aria-hidden": "true" }), headChildren);
  const body = hasBody
    ? h(doc, "div", { className: "tfg-check-body", id: bodyId, hidden: !open },
      check.message ? h(doc, "pre", { className: "tfg-message", text: check.message }) : null,
      tracebackList(doc, check.traceback,
        check.error_type ? fill(LABELS.check_traceback, { type: check.error_type }) : LABELS.check_traceback_plain),
      hintsBlock(doc, check, state),
    )
    : null;
  return h(doc, "li", { className: `tfg-check tfg-status-${statusClass}`, "data-check-id": check.id, "data-status": check.status }, head, body);
}

function diagnosticsBlock(doc, diagnostics) {
  if (!diagnostics || !diagnostics.length) return null;
  const groups = new Map();
  for (const d of diagnostics) {
    const kind = d.kind || "other";
    if (!groups.has(kind)) groups.set(kind, []);
    groups.get(kind).push(d);
  }
  const rank = (d) => (SEVERITIES[d.severity] || SEVERITIES.info).order;
  const ordered = [...groups.entries()].sort((a, b) => Math.min(...a[1].map(rank)) - Math.min(...b[1].map(rank)));
  return h(doc, "div", { className: "tfg-diagnostics" },
    h(doc, "div", { className: "tfg-section-title", role: "heading", "aria-level": "4", text: LABELS.diagnostics }),
    ordered.map(([kind, items]) => h(doc, "div", { className: "tfg-diag-group", "data-kind": kind },
      h(doc, "div", { className: "tfg-diag-kind", text: kindLabel(kind) }),
      h(doc, "ul", { className: "tfg-diag-list" },
        [...items].sort((a, b) => rank(a) - rank(b)).map((d) => {
          const sev = SEVERITIES[d.severity] || SEVERITIES.info;
          const where = [d.function ? `in ${d.function}` : "", d.line ? `line ${d.line}` : ""].filter(Boolean).join(", ");
          return h(doc, "li", { className: `tfg-diag tfg-sev-${SEVERITIES[d.severity] ? d.severity : "info"}` },
            h(doc, "span", { className: "tfg-diag-sev" },
              h(doc, "span", { className: "tfg-icon", "aria-hidden": "true", text: sev.icon }), " ",
              h(doc, "span", { className: "tfg-sev-word", text: sev.word }),
            ),
            h(doc, "span", { className: "tfg-diag-text" },
              h(doc, "span", { className: "tfg-diag-message", text: d.message || "" }),
              where ? h(doc, "span", { className: "tfg-diag-where", text: ` (${where})` }) : null,
              d.fix ? h(doc, "span", { className: "tfg-diag-fix" },
                h(doc, "span", { className: "tfg-diag-fix-label", text: LABELS.what_to_do }), d.fix) : null,
            ),
          );
        }),
      ),
    )),
  );
}

function exerciseHintsBlock(doc, report) {
  const hints = report.general_hints || [];
  if (!hints.length || report.passed) return null;
  return h(doc, "div", { className: "tfg-exercise-hints" },
    h(doc, "div", { className: "tfg-section-title", role: "heading", "aria-level": "4", text: LABELS.exercise_hints }),
    h(doc, "ul", { className: "tfg-exercise-hint-list" }, hints.map((text) => h(doc, "li", { className: "tfg-exercise-hint", text }))),
  );
}

function footer(doc, report, state) {
  const env = environmentText(report.environment);
  // The re-run error is learner-visible text from the kernel: always textContent, never markup.
  const status = state.running
    ? h(doc, "span", { className: "tfg-run-progress" },
      h(doc, "span", { className: "tfg-spinner", "aria-hidden": "true" }),
      progressText(report, state.progress))
    : state.rerunError
      ? h(doc, "span", { className: "tfg-run-error", text: state.rerunError })
      : state.rerunUnavailable
        ? h(doc, "span", { className: "tfg-run-note", text: LABELS.rerun_unavailable })
        : null;
  const button = state.canRerun || state.rerunUnavailable
    ? h(doc, "button", {
      type: "button", className: "tfg-button tfg-rerun", "data-action": "rerun", "data-focus-key": "rerun",
      disabled: Boolean(state.running) || !state.canRerun, "aria-busy": state.running ? "true" : "false",
      title: state.canRerun ? null : LABELS.rerun_unavailable,
      text: state.running ? LABELS.rerun_running : LABELS.rerun,
    })
    : null;
  return h(doc, "div", { className: "tfg-footer" },
    env ? h(doc, "span", { className: "tfg-env", text: env }) : null,
    h(doc, "span", { className: "tfg-actions" },
      h(doc, "span", { className: "tfg-status", role: "status", "aria-live": "polite" }, status),
      button,
    ),
  );
}

/**
 * Build the card for `report` (the object Report.to_dict() writes) in UI `state`
 * (see initialState). Returns a detached element.
 */
export function renderCard(doc, report, state) {
  const ui = { ...initialState(report), ...(state || {}) };
  const checks = report.checks || [];
  const overall = overallState(report);
  return h(doc, "div", {
    className: `tfgrade-card tfg-overall-${overall.key}`, role: "region",
    "aria-label": `tfgrade results for ${report.short_id || report.exercise || "exercise"}`,
    "data-exercise": report.exercise, "aria-busy": ui.running ? "true" : "false",
  },
  header(doc, report),
  cellErrorBlock(doc, report.cell_error),
  checks.length
    ? h(doc, "ol", { className: "tfg-checks", "aria-label": "Checks" }, checks.map((c, i) => checkRow(doc, c, ui, i)))
    : null,
  exerciseHintsBlock(doc, report),
  diagnosticsBlock(doc, report.diagnostics),
  footer(doc, report, ui),
  );
}
