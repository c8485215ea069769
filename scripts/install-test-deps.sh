#!/usr/bin/env bash
# Installs what the tests need beyond Python packages (idempotent): a PostgreSQL server (Debian package) for
# the snapshot tests, which start their own on loopback, and the real `claude` CLI from npm, into .cache/, for
# the end-to-end tests, and Chromium (Debian package) that the dashboard's browser tests drive with Playwright.
# The claude CLI is pinned to the last release that is plain JavaScript (cli.js) and declares Node >= 18: later
# ones ship a native binary per platform and ask for Node >= 22, and the machines have Node 20.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing PostgreSQL (Debian) for tests/snapshots/test_postgres.py"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "== PostgreSQL not found: apt-get install -y postgresql (as root) to run the PostgreSQL snapshot tests" >&2
  fi
fi
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing Chromium (Debian) for the dashboard's browser tests (tests/dashboard)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "== chromium not found: apt-get install -y chromium (as root) to run the dashboard's browser tests" >&2
  fi
fi
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
