#!/usr/bin/env bash
# Set up tfgrade, build the chapter workbook with the reference solutions filled in,
# grade it headlessly in a fresh kernel, and print the per-exercise report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p build
.venv/bin/tfgrade workbook --solutions -o build/chapter12-solutions.ipynb
.venv/bin/tfgrade grade build/chapter12-solutions.ipynb --output-dir build/graded "$@"
