#!/usr/bin/env bash
# The failover test with more rounds than CI runs (test-cluster/failover.test.mjs): three
# `wharf start` processes and a real ZooKeeper; the master is killed with SIGKILL under
# persistent load from failover clients, ROUNDS times. Every acknowledged send must be consumed
# afterwards, and duplicates must be marked redelivered. Writes the failover times (p50, max)
# to docs/PERFORMANCE.md between the bench-failover markers.
#   scripts/failover-test.sh [ROUNDS]   (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-deps.sh
npm run build --silent
WHARF_FAILOVER_ROUNDS="${1:-50}" WHARF_FAILOVER_REPORT=1 npx mocha --no-config --timeout 0 --exit test-cluster/failover.test.mjs
