#!/usr/bin/env bash
# Side-by-side STOMP benchmark: Wharf (LevelDB) against Apache ActiveMQ 5.17 (KahaDB), the same
# load on both, phases alternated (scripts/bench-stomp.mjs says what each phase does). Prints
# messages/s and the Wharf/ActiveMQ ratio, and writes them into docs/PERFORMANCE.md between
# <!-- bench-vs-activemq:start --> and <!-- bench-vs-activemq:end -->.
#
#   scripts/bench-vs-activemq.sh [--seconds N] [--rounds N] [--phases a,b] [--no-write] [--before DIR]
#
# --phases runs only the named phases (scripts/bench-stomp.mjs lists them), e.g.
# `--phases nonpersistent-receipt-roundtrip --no-write` for a quick look at one of them.
# --before DIR also starts a Wharf built in another checkout (e.g. a `git worktree` of an older
# commit, after `npm run build` there) as the broker named `before`, so that a change is measured
# before and after in the same run, phases alternated between the three brokers.
#
# Installs Debian's `activemq` package when it is missing (root: apt-get). ActiveMQ runs from
# its own config and data directory under a temporary folder, as the `activemq` user, with
# only a STOMP connector on a free loopback port; both brokers are stopped at the end.
set -euo pipefail

SECONDS_PER_PHASE=6
ROUNDS=2
WRITE=--write
PHASES=""
BEFORE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_PHASE="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --phases) PHASES="--phases=$2"; shift 2 ;;
    --no-write) WRITE=""; shift ;;
    --before) BEFORE="$(cd "$2" && pwd)"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
ROOT=$PWD

. scripts/lib/activemq.sh
activemq_require --install
# The package's init script may not start it (containers): nothing to stop, we run our own.

# ---- Wharf build --------------------------------------------------------------------------------
if [ ! -f packages/stomp/dist/src/index.js ] || [ ! -f packages/store/dist/src/index.js ]; then
  echo "building Wharf"
  npx tsc -b packages/stomp
fi

WORK=$(mktemp -d /tmp/wharf-bench-vs-activemq-XXXXXX)
chmod 755 "$WORK" # the activemq user must reach its directory
AMQ_PID=""
WHARF_PID=""
BEFORE_PID=""
cleanup() {
  # Each broker is stopped by the id this script started it with.
  stop_pids $WHARF_PID $BEFORE_PID $AMQ_PID
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- start ActiveMQ: own conf/data/tmp, STOMP only, no web console, KahaDB -------------------------
AMQ_PORT=$(free_port)
echo "starting ActiveMQ $(dpkg-query -W -f='${Version}' activemq) on stomp://127.0.0.1:$AMQ_PORT"
activemq_start "$WORK/activemq" "$AMQ_PORT" 'brokerName="bench" advisorySupport="false" schedulerSupport="false"' \
  "<transportConnectors><transportConnector name=\"stomp\" uri=\"stomp://127.0.0.1:$AMQ_PORT\"/></transportConnectors>" \
  -Dorg.apache.activemq.UseDedicatedTaskRunner=true

# ---- start Wharf: LevelDB store, STOMP connector ---------------------------------------------------
start_wharf "$WORK" wharf
WHARF_PID=$STARTED_PID
WHARF_PORT=$STARTED_PORT
EXTRA=()
if [ -n "$BEFORE" ]; then
  [ -f "$BEFORE/packages/stomp/dist/src/index.js" ] || { echo "$BEFORE has no build: run npm run build there first" >&2; exit 1; }
  start_wharf "$WORK" before "$BEFORE"
  BEFORE_PID=$STARTED_PID
  EXTRA=(--broker "before=$STARTED_PORT" --pid "before=$STARTED_PID")
fi

# ---- the same load on each, alternating ----------------------------------------------------------
node scripts/bench-stomp.mjs run --broker "wharf=$WHARF_PORT" --broker "activemq=$AMQ_PORT" "${EXTRA[@]}" \
  --pid "wharf=$WHARF_PID" --pid "activemq=$AMQ_PID" \
  --seconds "$SECONDS_PER_PHASE" --rounds "$ROUNDS" $PHASES $WRITE
