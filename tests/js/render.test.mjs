import { test } from "node:test";
import assert from "node:assert/strict";
import { JSDOM } from "jsdom";

import { applyAction, initialState, overallState, progressText, renderCard } from "../../js/render.js";
import * as fx from "./fixtures.mjs";

function render(report, state = {}) {
  const { document } = new JSDOM("<!doctype html><body></body>").window;
  const card = renderCard(document, report, { ...initialState(report), ...state });
  document.body.append(card);
  return { document, card };
}

const text = (node) => node.textContent.replace(/\s+/g, " ").trim();
const row = (card, id) => card.querySelector(`li.tfg-check[data-check-id="${id}"]`);

test("a passing report shows the full score, a full bar and 'All checks passed'", () => {
  const { card } = render(fx.passing);
  assert.equal(text(card.querySelector(".tfg-score")), "3 / 3");
  assert.equal(parseFloat(card.querySelector(".tfg-bar-fill").style.width), 100);
  assert.match(text(card.querySelector(".tfg-state")), /All checks passed/);
  assert.ok(card.classList.contains("tfg-overall-all-passed"));
  assert.equal(text(card.querySelector(".tfg-title")), "A custom layer normalization layer");
  assert.equal(text(card.querySelector(".tfg-time")), "1.2 s");
  const rows = card.querySelectorAll("li.tfg-check");
  assert.equal(rows.length, 2);
  for (const r of rows) assert.equal(text(r.querySelector(".tfg-verdict")), "\u2713 Passed");
  assert.equal(text(row(card, "output_matches_keras").querySelector(".tfg-points")), "2 / 2");
  // Nothing to expand on a passing row: no message, and hints only help with what is wrong.
  assert.equal(card.querySelector("button.tfg-check-head"), null);
});

test("a failing row says so in words, starts open on its message, and folds away", () => {
  const { document, card } = render(fx.failingWithHints);
  assert.equal(text(card.querySelector(".tfg-score")), "7 / 10");
  assert.equal(card.querySelector(".tfg-bar").getAttribute("aria-valuenow"), "7");
  assert.equal(parseFloat(card.querySelector(".tfg-bar-fill").style.width), 70);
  assert.match(text(card.querySelector(".tfg-state")), /^\u2717 1 failing$/);
  const failing = row(card, "output_matches_keras");
  assert.equal(text(failing.querySelector(".tfg-verdict")), "\u2717 Failed");
  const head = failing.querySelector("button.tfg-check-head");
  assert.equal(head.getAttribute("aria-expanded"), "true", "what failed starts open");
  const body = document.getElementById(head.getAttribute("aria-controls"));
  assert.equal(body.hidden, false);
  assert.equal(body.querySelector(".tfg-message").textContent,
    "the layer's output differs from keras.layers.LayerNormalization\nmax abs difference 0.52 at [0, 3]");
  assert.equal(text(body.querySelector(".tfg-hint-button")), "Show hint (1 of 3)");

  const state = applyAction(initialState(fx.failingWithHints), fx.failingWithHints, { type: "toggle", checkId: "output_matches_keras" });
  assert.equal(state.expanded.output_matches_keras, false);
  const closed = row(render(fx.failingWithHints, state).card, "output_matches_keras");
  assert.equal(closed.querySelector("button.tfg-check-head").getAttribute("aria-expanded"), "false");
  assert.ok(closed.querySelector(".tfg-check-body").hidden);
  // Toggling again opens it.
  const reopened = applyAction(state, fx.failingWithHints, { type: "toggle", checkId: "output_matches_keras" });
  assert.equal(reopened.expanded.output_matches_keras, true);
});

test("the exercise's own hints are listed while something fails, not once all pass", () => {
  const { card } = render(fx.failingWithHints);
  const block = card.querySelector(".tfg-exercise-hints");
  assert.equal(text(block.querySelector(".tfg-section-title")), "Hints for this exercise");
  assert.deepEqual([...block.querySelectorAll("li")].map(text), fx.failingWithHints.general_hints);
  assert.equal(render({ ...fx.passing, general_hints: ["x"] }).card.querySelector(".tfg-exercise-hints"), null);
});

test("a real grading of ex12 with a mistake: score, open failing rows, exercise hints", () => {
  const report = fx.gradedFail;
  const { card } = render(report);
  assert.equal(text(card.querySelector(".tfg-score")), `${report.score} / ${report.max_score}`);
  assert.ok(report.score > 0 && report.score < report.max_score, `${report.score} / ${report.max_score}`);
  const failed = report.checks.filter((c) => c.status === "fail" || c.status === "error");
  assert.ok(failed.length > 0);
  assert.equal(text(card.querySelector(".tfg-state")), `\u2717 ${failed.length} failing`);
  for (const c of failed) {
    const r = row(card, c.id);
    assert.equal(r.querySelector("button.tfg-check-head").getAttribute("aria-expanded"), "true", c.id);
    assert.equal(r.querySelector(".tfg-message").textContent, c.message);
  }
  for (const c of report.checks.filter((c) => c.status === "pass")) assert.equal(row(card, c.id).querySelector(".tfg-check-body"), null);
  assert.ok(report.general_hints.length > 0, "ex12's exercise.toml has hints");
  assert.deepEqual([...card.querySelectorAll(".tfg-exercise-hint")].map(text), report.general_hints);

  const pass = render(fx.gradedPass).card;
  assert.equal(text(pass.querySelector(".tfg-state")), "\u2713 All checks passed");
  assert.equal(fx.gradedPass.score, fx.gradedPass.max_score);
  assert.equal(fx.gradedPass.max_score, fx.gradedFail.max_score, "the maximum is the exercise's total");
  assert.equal(text(pass.querySelector(".tfg-score")), `${fx.gradedPass.max_score} / ${fx.gradedPass.max_score}`);
  const raised = render(fx.gradedCellError).card;
  assert.match(text(raised.querySelector(".tfg-state")), /^! Your cell raised ValueError on line \d+$/);
  assert.match(text(raised.querySelector(".tfg-cell-error")), /stopped on purpose after defining the layer/);
});

test("hints are revealed one at a time and the count is recorded", () => {
  const report = fx.failingWithHints;
  let state = initialState(report);
  let card = render(report, state).card;
  let button = row(card, "output_matches_keras").querySelector(".tfg-hint-button");
  assert.equal(button.textContent, "Show hint (1 of 3)");
  assert.equal(card.querySelectorAll(".tfg-hint").length, 0);

  state = applyAction(state, report, { type: "hint", checkId: "output_matches_keras" });
  assert.deepEqual(state.hintsShown, { output_matches_keras: 1 });
  card = render(report, state).card;
  const hints = card.querySelectorAll(".tfg-hint");
  assert.equal(hints.length, 1);
  assert.equal(text(hints[0].querySelector(".tfg-hint-label")), "Hint 1 of 3");
  assert.equal(text(hints[0].querySelector(".tfg-hint-text")), "Normalise over the last axis only.");
  assert.equal(row(card, "output_matches_keras").querySelector(".tfg-check-body").hidden, false, "a revealed hint opens its row");
  assert.equal(row(card, "output_matches_keras").querySelector(".tfg-hint-button").textContent, "Show next hint (2 of 3)");

  state = applyAction(state, report, { type: "hint", checkId: "output_matches_keras" });
  state = applyAction(state, report, { type: "hint", checkId: "output_matches_keras" });
  state = applyAction(state, report, { type: "hint", checkId: "output_matches_keras" });
  assert.equal(state.hintsShown.output_matches_keras, 3, "never more than the number of hints");
  card = render(report, state).card;
  assert.equal(card.querySelectorAll(".tfg-hint").length, 3);
  assert.equal(card.querySelector(".tfg-hint-button"), null, "no button once every hint is shown");
});

test("hints already shown in the report are shown again", () => {
  const report = { ...fx.failingWithHints, hints_shown: { output_matches_keras: 2 } };
  const { card } = render(report, initialState(report));
  assert.equal(card.querySelectorAll(".tfg-hint").length, 2);
});

test("an error row shows the learner's traceback lines", () => {
  const state = { ...initialState(fx.errorWithTraceback), expanded: { call_runs: true, slow: true } };
  const { card } = render(fx.errorWithTraceback, state);
  const err = row(card, "call_runs");
  assert.equal(text(err.querySelector(".tfg-verdict")), "! Error");
  assert.match(err.querySelector(".tfg-message").textContent, /ZeroDivisionError at line 9/);
  const frames = err.querySelectorAll(".tfg-frame");
  assert.equal(frames.length, 1);
  assert.equal(text(frames[0].querySelector(".tfg-frame-where")), "line 9, in call");
  assert.equal(frames[0].querySelector(".tfg-frame-code").textContent, "return x / 0");
  assert.match(text(err.querySelector(".tfg-traceback-label")), /ZeroDivisionError in your code/);
  assert.equal(text(row(card, "slow").querySelector(".tfg-verdict")), "\u25F7 Timed out");
  assert.match(text(card.querySelector(".tfg-state")), /2 failing/);
});

test("a cell error is stated in the header and shown with its line", () => {
  const { card } = render(fx.cellError);
  assert.match(text(card.querySelector(".tfg-state")), /Your cell raised NameError on line 4/);
  const box = card.querySelector(".tfg-cell-error");
  assert.equal(box.getAttribute("role"), "alert");
  assert.match(text(box), /Your cell stopped with NameError on line 4/);
  assert.match(text(box), /name 'tf' is not defined/);
  assert.equal(text(box.querySelector(".tfg-frame-where")), "line 4");
  assert.equal(text(row(card, "defines_class").querySelector(".tfg-verdict")), "\u2013 Skipped");
});

test("diagnostics are grouped by kind, warnings first, with icon and word", () => {
  const { card } = render(fx.withDiagnostics);
  const groups = [...card.querySelectorAll(".tfg-diag-group")];
  assert.deepEqual(groups.map((g) => g.dataset.kind), ["retracing", "device"]);
  const retracing = groups[0].querySelectorAll(".tfg-diag");
  assert.equal(retracing.length, 2);
  assert.equal(text(retracing[0].querySelector(".tfg-diag-sev")), "\u26A0 Warning");
  assert.match(text(retracing[0]), /traced 7 times\. \(in train_step, line 12\)/);
  assert.match(text(retracing[0].querySelector(".tfg-diag-fix")), /What to do: Pass tensors/);
  assert.equal(text(retracing[1].querySelector(".tfg-diag-sev")), "\u2139 Note");
  assert.equal(text(groups[1].querySelector(".tfg-diag-kind")), "Devices");
  assert.match(text(card.querySelector(".tfg-env")), /TensorFlow 2\.20\.0 · Keras 3\.11\.3 · GPU: GPU:0/);
  assert.equal(render(fx.passing).card.querySelector(".tfg-diagnostics"), null);
  assert.match(text(render(fx.passing).card.querySelector(".tfg-env")), /CPU only/);
});

test("re-run control: present only when re-running is possible, with live progress", () => {
  assert.equal(render(fx.failingWithHints).card.querySelector(".tfg-rerun"), null);
  const idle = render(fx.failingWithHints, { canRerun: true }).card.querySelector(".tfg-rerun");
  assert.equal(idle.textContent, "Re-run checks");
  assert.equal(idle.disabled, false);

  const running = applyAction({ ...initialState(fx.failingWithHints), canRerun: true }, fx.failingWithHints, { type: "rerun" });
  assert.equal(running.running, true);
  const card = render(fx.failingWithHints, { ...running, progress: { check: "output_matches_keras", index: 2, total: 3 } }).card;
  assert.equal(card.querySelector(".tfg-rerun").disabled, true);
  assert.equal(text(card.querySelector(".tfg-status")), "Running check 3 of 3: Output matches Keras");
  assert.equal(card.getAttribute("aria-busy"), "true");
  assert.equal(progressText(fx.failingWithHints, { check: "unknown_one", index: 0, total: 9 }), "Running check 1 of 9: unknown one");
  const failed = render(fx.failingWithHints, { canRerun: true, rerunError: "Re-running the checks failed: boom" }).card;
  assert.equal(text(failed.querySelector(".tfg-status")), "Re-running the checks failed: boom");
});

test("a card restored without its kernel shows 'Re-run checks' disabled, with the reason, never spinning", () => {
  const restored = { ...initialState(fx.failingWithHints), rerunUnavailable: true };
  const card = render(fx.failingWithHints, restored).card;
  const button = card.querySelector(".tfg-rerun");
  assert.equal(button.disabled, true);
  assert.equal(button.getAttribute("aria-busy"), "false");
  assert.equal(card.querySelector(".tfg-spinner"), null);
  assert.match(text(card.querySelector(".tfg-status")), /kernel is gone/);
  assert.equal(applyAction(restored, fx.failingWithHints, { type: "rerun" }), restored, "pressing it changes nothing");
});

test("the re-run error is inserted as text, never as HTML", () => {
  const card = render(fx.failingWithHints, { canRerun: true, rerunError: `Re-running the checks failed: ${fx.EVIL}` }).card;
  const status = card.querySelector(".tfg-status");
  assert.equal(status.querySelector("img"), null);
  assert.equal(status.querySelector("script"), null);
  assert.equal(status.textContent, `Re-running the checks failed: ${fx.EVIL}`);
});

test("learner text is never parsed as HTML", () => {
  const state = { ...initialState(fx.xss), expanded: { 'a"b<c': true }, hintsShown: { 'a"b<c': 1 } };
  const { card } = render(fx.xss, state);
  assert.equal(card.querySelector("img"), null);
  assert.equal(card.querySelector("script"), null);
  assert.equal(card.querySelector("b"), null);
  assert.equal(text(card.querySelector(".tfg-title")), fx.EVIL);
  assert.equal(card.querySelector(".tfg-message").textContent, fx.EVIL);
  assert.ok(card.textContent.includes(fx.EVIL));
  assert.equal(card.querySelector("li.tfg-check").dataset.checkId, 'a"b<c');
  assert.equal(text(card.querySelector(".tfg-hint-text")), fx.EVIL);
  assert.equal(text(card.querySelector(".tfg-exercise-hint")), fx.EVIL);
});

test("the card's summary line says what Python's text renderer says, for every report", () => {
  const byName = {
    passing: fx.passing, "failing-with-hints": fx.failingWithHints, "error-with-traceback": fx.errorWithTraceback,
    "cell-error": fx.cellError, "with-diagnostics": fx.withDiagnostics, xss: fx.xss, mixed: fx.mixed,
    "graded-fail": fx.gradedFail, "graded-pass": fx.gradedPass, "graded-cell-error": fx.gradedCellError,
  };
  assert.deepEqual(Object.keys(fx.pythonSummaryLines).sort(), Object.keys(byName).sort());
  for (const [name, report] of Object.entries(byName)) {
    assert.equal(overallState(report).text, fx.pythonSummaryLines[name], name);
  }
  assert.equal(overallState(fx.mixed).text, "2 failing, 1 skipped", "errors count as failing, skips as skipped");
});
