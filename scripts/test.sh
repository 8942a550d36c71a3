#!/usr/bin/env bash
# Runs every test of the project: the Go tests (unit, conformance, end-to-end with real hub and
# agent processes, headless-Chromium UI tests) and the front end's type check.
# Installs what the tests need and the machine lacks (Debian's chromium), so it works on a fresh
# Debian machine with Go, Node/npm and apt.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Debian's chromium for the browser tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

echo "== go vet"
go vet ./...
echo "== go test"
go test -count=1 -timeout 20m ./...
