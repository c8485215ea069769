#!/usr/bin/env bash
# Installs what the end-to-end tests drive: the real `claude` CLI from npm, into .cache/ (idempotent).
# Pinned to the last release that is plain JavaScript (cli.js) and declares Node >= 18: later ones ship a
# native binary per platform and ask for Node >= 22, and the machines have Node 20.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="2.1.112"
PREFIX=".cache/claude-code"
BIN="$PREFIX/node_modules/.bin/claude"
if [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null | cut -d' ' -f1)" = "$VERSION" ]; then
  echo "== claude CLI $VERSION already in $PREFIX"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "== npm not found: install Node.js and npm to run the e2e tests" >&2
  exit 1
fi
echo "== installing @anthropic-ai/claude-code@$VERSION into $PREFIX"
mkdir -p "$PREFIX"
npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "@anthropic-ai/claude-code@$VERSION"
"$BIN" --version
