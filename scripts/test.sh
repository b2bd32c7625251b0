#!/usr/bin/env bash
# Set up everything the suite needs (venv with test extras, Node deps, Chromium), then run
# the front-end tests and the whole pytest suite (unit, kernel, nbgrader, browser, batch).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0
npm test --silent   # its pretest writes tests/js/reports/*.json from real Reports first
.venv/bin/tfgrade validate
.venv/bin/python -m pytest "$@"
