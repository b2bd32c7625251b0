#!/usr/bin/env bash
# Set up tfgrade, build the chapter workbook with the reference solutions filled in,
# grade it headlessly (isolated grading process, scores out of band), and print the report.
# Extra arguments go to `tfgrade grade` (e.g. --hidden, --timeout 600).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p build
.venv/bin/tfgrade workbook --solutions -o build/chapter12-solutions.ipynb
.venv/bin/tfgrade grade build/chapter12-solutions.ipynb --out build/graded --force "$@"
