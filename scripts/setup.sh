#!/usr/bin/env bash
# Create .venv and install tfgrade into it, with the card's JupyterLab extension (needs Node/npm).
# With --test: the test extras and Chromium too.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install --quiet -e '.[test]'
else
  .venv/bin/python -m pip install --quiet -e .
fi
# Bytecode for the editable package, as a wheel install writes it: a grade cell re-imports tfgrade
# from disk, and with PYTHONDONTWRITEBYTECODE set nothing would ever cache the compiled modules.
PYTHONDONTWRITEBYTECODE= .venv/bin/python -m compileall -q tfgrade >/dev/null
# A kernelspec inside the venv, so notebooks run by tfgrade and the tests use this Python.
.venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null

# The tfgrade-card JupyterLab/Notebook 7 extension (js/labextension.js -> tfgrade/labextension):
# a wheel ships it as shared data; this editable install links it where Jupyter looks.
if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; else npm install --silent --no-audit --no-fund; fi
npm run --silent build:labextension >/dev/null
mkdir -p .venv/share/jupyter/labextensions
installed=.venv/share/jupyter/labextensions/tfgrade-card
if [ -e "$installed" ] && [ ! -L "$installed" ]; then rm -rf "$installed"; fi   # a copy from an earlier install
ln -sfn "$PWD/tfgrade/labextension" "$installed"

if [ "${1:-}" = "--test" ]; then
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
  fi
fi
