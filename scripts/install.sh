#!/usr/bin/env bash
# Creates .venv and installs agentguard with its development tools (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  python3 -m venv .venv
fi
echo "== installing agentguard (editable) with dev tools"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
