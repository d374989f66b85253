#!/usr/bin/env bash
# The crash test with more rounds than CI runs: a broker under persistent load is killed with
# SIGKILL at random moments; every acknowledged send must be delivered afterwards.
#   scripts/crash-test.sh [ROUNDS]   (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
WHARF_CRASH_ROUNDS="${1:-100}" npx mocha --no-config --timeout 0 --exit test-integration/dist/crash.test.js
