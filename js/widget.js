// tfgrade results card: wires the pure renderer (render.js) to the anywidget model.
//
// Model traits (Python: tfgrade/widget.py): report (Report JSON), hints_shown
// ({check id: n}, written here), expanded ([check ids of open rows], written here; kept in
// the model so a view created again by a display update keeps its rows open), running
// (bool), progress ({check, index, total}), can_rerun (bool), rerun_error (str).
// "Re-run checks" sends {type: "rerun"}; the kernel answers {type: "rerun-started"} before
// grading, and a re-run left without an answer stops its spinner and says so.
//
// anywidget loads this file as a single module, so tfgrade/widget.py inlines the card's modules
// (render.js, words.js) in place of their import lines (no build step; node's tests import them).
import { applyAction, initialState, renderCard } from "./render.js";
import { WORDS } from "./words.js";

// How long "Re-run checks" waits for the kernel to say it started before telling the learner:
// a kernel that is gone (or busy with another cell) never answers, and a spinner must not
// turn forever.
export const RERUN_ANSWER_MS = 10000;

// Revealing a hint updates the notebook's display, and JupyterLab then builds a new view
// of this model: the keyboard focus the learner had is handed over to that view.
let pendingFocus = null;

function rememberFocus(key) {
  pendingFocus = key ? { key, until: Date.now() + 5000 } : null;
}

function stateFrom(model) {
  const report = model.get("report") || {};
  return {
    ...initialState(report),
    expanded: Object.fromEntries((model.get("expanded") || []).map((id) => [id, true])),
    hintsShown: { ...(model.get("hints_shown") || {}) },
    running: Boolean(model.get("running")),
    progress: model.get("progress") || {},
    canRerun: Boolean(model.get("can_rerun")),
    rerunError: model.get("rerun_error") || "",
  };
}

function render({ model, el }) {
  const doc = el.ownerDocument;
  let waitingForKernel = null;   // timer of a re-run the kernel has not acknowledged yet
  let noAnswer = false;

  function draw() {
    const report = model.get("report");
    const focused = doc.activeElement && el.contains(doc.activeElement)
      ? doc.activeElement.getAttribute("data-focus-key") : null;
    if (!report || !report.checks) {
      el.replaceChildren();
      return;
    }
    const state = stateFrom(model);
    const shown = noAnswer ? { ...state, running: false, rerunError: WORDS.labels.rerun_no_answer } : state;
    el.replaceChildren(renderCard(doc, report, shown));
    if (focused) {
      const again = el.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }

  function onClick(event) {
    const target = event.target.closest("[data-action]");
    if (!target || !el.contains(target) || target.disabled) return;
    const report = model.get("report") || {};
    const action = { type: target.getAttribute("data-action"), checkId: target.getAttribute("data-check-id") };
    const before = stateFrom(model);
    const after = applyAction(before, report, action);
    const open = Object.keys(after.expanded).filter((id) => after.expanded[id]);
    if (action.type === "toggle") {
      model.set("expanded", open);
      model.save_changes();
    } else if (action.type === "hint") {
      const shown = after.hintsShown[action.checkId] || 0;
      model.set("expanded", open);
      model.set("hints_shown", after.hintsShown);
      model.save_changes();
      // Keep keyboard users on the hint just revealed when the button is gone.
      const hint = el.querySelector(`[data-focus-key="hint:${CSS.escape(action.checkId)}:${shown - 1}"]`);
      const button = el.querySelector(`[data-focus-key="hint-button:${CSS.escape(action.checkId)}"]`);
      if (!button && hint) hint.focus();
      if (el.contains(doc.activeElement)) rememberFocus(doc.activeElement.getAttribute("data-focus-key"));
    } else if (action.type === "rerun" && (!before.running || noAnswer)) {
      noAnswer = false;
      model.set("running", true);
      model.set("rerun_error", "");
      model.set("progress", {});
      model.save_changes();
      model.send({ type: "rerun" });
      clearTimeout(waitingForKernel);
      waitingForKernel = setTimeout(() => { noAnswer = true; draw(); }, RERUN_ANSWER_MS);
      draw();
    }
  }

  function onMessage(content) {
    if (content && content.type === "rerun-started") {
      clearTimeout(waitingForKernel);
      if (noAnswer) {
        noAnswer = false;
        draw();
      }
    }
  }

  const traits = ["report", "hints_shown", "expanded", "running", "progress", "can_rerun", "rerun_error"];
  for (const name of traits) model.on(`change:${name}`, draw);
  model.on("msg:custom", onMessage);
  el.classList.add("tfgrade-widget");
  el.addEventListener("click", onClick);
  draw();
  if (pendingFocus && Date.now() < pendingFocus.until) {
    const { key } = pendingFocus;
    const settle = () => {
      const target = el.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
      if (target && el.isConnected && pendingFocus && pendingFocus.key === key) {
        target.focus();
        pendingFocus = null;
      }
    };
    (doc.defaultView && doc.defaultView.requestAnimationFrame ? doc.defaultView.requestAnimationFrame(settle) : setTimeout(settle, 0));
  }
  return () => {
    for (const name of traits) model.off(`change:${name}`, draw);
    model.off("msg:custom", onMessage);
    clearTimeout(waitingForKernel);
    el.removeEventListener("click", onClick);
  };
}

export default { render };
