// Reports written by the Python side (tests/js/write_reports.py, run by `npm test` first):
// Report.to_json() of real Report objects, some from real gradings of ex12.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const folder = join(dirname(fileURLToPath(import.meta.url)), "reports");

function load(name) {
  const path = join(folder, `${name}.json`);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run \`npm test\` (its pretest writes it) or \`.venv/bin/python tests/js/write_reports.py\``);
  }
  return JSON.parse(readFileSync(path, "utf-8"));
}

export const passing = load("passing");
export const failingWithHints = load("failing-with-hints");
export const errorWithTraceback = load("error-with-traceback");
export const cellError = load("cell-error");
export const withDiagnostics = load("with-diagnostics");
export const mixed = load("mixed");
export const xss = load("xss");
export const gradedFail = load("graded-fail");
export const gradedPass = load("graded-pass");
export const gradedCellError = load("graded-cell-error");
export const pythonSummaryLines = load("python-summary-lines");
export const EVIL = "<img src=x onerror=\"alert(1)\"><script>alert(2)</script>";
