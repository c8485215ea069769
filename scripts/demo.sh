#!/usr/bin/env bash
# Installs agentguard and runs the demo: the `rm -f .agentic-qe/*.db` incident, stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/agentguard demo "$@"
