import { mock, test } from "node:test";
import assert from "node:assert/strict";
import { JSDOM } from "jsdom";

import widget, { RERUN_ANSWER_MS } from "../../js/widget.js";
import * as fx from "./fixtures.mjs";

// A stand-in for the anywidget model: get/set/on/off/save_changes/send, as the front end uses them.
class FakeModel {
  constructor(values) {
    this.values = { ...values };
    this.handlers = {};
    this.sent = [];
    this.saved = 0;
  }
  get(name) { return this.values[name]; }
  set(name, value) {
    this.values[name] = value;
    for (const fn of this.handlers[`change:${name}`] || []) fn();
  }
  on(event, fn) { (this.handlers[event] ||= []).push(fn); }
  off(event, fn) { this.handlers[event] = (this.handlers[event] || []).filter((f) => f !== fn); }
  save_changes() { this.saved += 1; }
  send(content) { this.sent.push(content); }
  receive(content) { for (const fn of this.handlers["msg:custom"] || []) fn(content); }
}

function mount(report, extra = {}) {
  const dom = new JSDOM("<!doctype html><body><div id=out></div></body>");
  globalThis.CSS ??= { escape: (s) => String(s).replace(/["\\]/g, "\\$&") };
  const el = dom.window.document.getElementById("out");
  const model = new FakeModel({
    report, hints_shown: {}, expanded: [], running: false, progress: {}, can_rerun: true, rerun_error: "", ...extra,
  });
  const cleanup = widget.render({ model, el });
  const click = (selector) => el.querySelector(selector).dispatchEvent(new dom.window.MouseEvent("click", { bubbles: true }));
  return { dom, el, model, cleanup, click };
}

test("clicking a failing row toggles it open and closed", () => {
  const { el, click } = mount(fx.failingWithHints);
  const selector = 'li[data-check-id="output_matches_keras"] button.tfg-check-head';
  assert.equal(el.querySelector(selector).getAttribute("aria-expanded"), "false");
  click(selector);
  assert.equal(el.querySelector(selector).getAttribute("aria-expanded"), "true");
  assert.match(el.querySelector('li[data-check-id="output_matches_keras"] .tfg-message').textContent, /max abs difference/);
  click(selector);
  assert.equal(el.querySelector(selector).getAttribute("aria-expanded"), "false");
});

test("'Show hint' writes the count to the model's hints_shown and shows the hint", () => {
  const { el, model, click } = mount(fx.failingWithHints);
  click(".tfg-hint-button");
  assert.deepEqual(model.get("hints_shown"), { output_matches_keras: 1 });
  assert.ok(model.saved >= 1);
  assert.equal(el.querySelectorAll(".tfg-hint").length, 1);
  click(".tfg-hint-button");
  assert.deepEqual(model.get("hints_shown"), { output_matches_keras: 2 });
  assert.equal(el.querySelectorAll(".tfg-hint").length, 2);
});

test("'Re-run checks' sends a message, shows progress from the model, then the new report", () => {
  const { el, model, click } = mount(fx.failingWithHints);
  click(".tfg-rerun");
  assert.deepEqual(model.sent, [{ type: "rerun" }]);
  assert.equal(el.querySelector(".tfg-rerun").disabled, true);
  model.set("progress", { check: "output_matches_keras", index: 2, total: 3 });
  assert.equal(el.querySelector(".tfg-status").textContent.trim(), "Running check 3 of 3: Output matches Keras");
  click(".tfg-rerun");   // disabled while running: no second message
  assert.equal(model.sent.length, 1);
  model.set("report", fx.passing);
  model.set("running", false);
  assert.equal(el.querySelector(".tfg-score").textContent.replace(/\s+/g, " ").trim(), "3 / 3");
  assert.equal(el.querySelector(".tfg-rerun").disabled, false);
});

test("open rows live in the model, so a new view of it (a display update) keeps them open", () => {
  const first = mount(fx.failingWithHints);
  first.click('li[data-check-id="output_matches_keras"] button.tfg-check-head');
  assert.deepEqual(first.model.get("expanded"), ["output_matches_keras"]);
  const dom = new JSDOM("<!doctype html><body><div id=out></div></body>");
  const el = dom.window.document.getElementById("out");
  widget.render({ model: first.model, el });
  assert.equal(el.querySelector('li[data-check-id="output_matches_keras"] button.tfg-check-head').getAttribute("aria-expanded"), "true");
});

test("the view stops listening to the model when removed", () => {
  const { model, cleanup } = mount(fx.passing);
  assert.ok(model.handlers["change:report"].length > 0);
  cleanup();
  assert.equal(model.handlers["change:report"].length, 0);
});

test("a re-run error from the kernel shows as text: markup in it is never parsed", () => {
  const { el, model } = mount(fx.failingWithHints);
  model.set("rerun_error", `Re-running the checks failed: RuntimeError: ${fx.EVIL}`);
  const status = el.querySelector(".tfg-status");
  assert.equal(status.textContent, `Re-running the checks failed: RuntimeError: ${fx.EVIL}`);
  assert.equal(el.querySelector("img"), null);
  assert.equal(el.querySelector("script"), null);
});

test("failing rows start open when the model says so (Python sends them open)", () => {
  const { el } = mount(fx.gradedFail, { expanded: fx.gradedFail.checks.filter((c) => c.status === "fail").map((c) => c.id) });
  const heads = [...el.querySelectorAll('li[data-status="fail"] button.tfg-check-head')];
  assert.ok(heads.length > 0);
  for (const head of heads) assert.equal(head.getAttribute("aria-expanded"), "true");
});

test("a re-run nobody answers (kernel gone or busy) stops spinning and says so; a late answer clears it", () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const { el, model, click } = mount(fx.failingWithHints);
    click(".tfg-rerun");
    assert.ok(el.querySelector(".tfg-spinner"));
    mock.timers.tick(RERUN_ANSWER_MS + 1);
    assert.equal(el.querySelector(".tfg-spinner"), null, "no endless spinner");
    assert.match(el.querySelector(".tfg-status").textContent, /No answer from the kernel/);
    assert.equal(el.querySelector(".tfg-rerun").disabled, false, "the learner can try again");
    model.receive({ type: "rerun-started" });      // the kernel was only busy
    assert.ok(el.querySelector(".tfg-spinner"));
    assert.doesNotMatch(el.querySelector(".tfg-status").textContent, /No answer/);

    const answered = mount(fx.failingWithHints);
    answered.click(".tfg-rerun");
    answered.model.receive({ type: "rerun-started" });
    mock.timers.tick(RERUN_ANSWER_MS * 2);
    assert.ok(answered.el.querySelector(".tfg-spinner"), "an acknowledged re-run keeps its progress display");
  } finally {
    mock.timers.reset();
  }
});
