#!/usr/bin/env bash
# Records what ActiveMQ 5.17 and Wharf do with a STOMP connection whose peer does not read
# (scripts/congestion-record.mjs: the scenario and what is recorded): does the broker stop
# reading it, does a producer to its queue block, are other consumers served, the broker's RSS.
# Prints one JSON line per broker and a table (docs/RELIABILITY.md, "Process memory beyond the
# accounting", quotes a run).
#
#   scripts/congestion-vs-activemq.sh [--messages N] [--sends M] [--hold MS]
#
# ActiveMQ (Debian's package, installed when missing as root) runs from its own config and data
# directory under a temporary folder, as the `activemq` user, with a STOMP connector on a free
# loopback port; Wharf runs with LevelDB and a STOMP connector (scripts/bench-stomp.mjs serve).
# Both are stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --messages|--sends|--hold) ARGS+=("$1" "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

. scripts/lib/activemq.sh
activemq_require --install
[ -f packages/stomp/dist/src/index.js ] || npx tsc -b packages/stomp

WORK=$(mktemp -d /tmp/wharf-congestion-XXXXXX)
chmod 755 "$WORK"
AMQ_PID=""
WHARF_PID=""
cleanup() {
  stop_pids $WHARF_PID $AMQ_PID
  rm -rf "$WORK"
}
trap cleanup EXIT

AMQ_PORT=$(free_port)
echo "starting ActiveMQ $(dpkg-query -W -f='${Version}' activemq) on stomp://127.0.0.1:$AMQ_PORT"
activemq_start "$WORK/activemq" "$AMQ_PORT" 'brokerName="congestion" advisorySupport="false" schedulerSupport="false"' \
  "<transportConnectors><transportConnector name=\"stomp\" uri=\"stomp://127.0.0.1:$AMQ_PORT\"/></transportConnectors>"

start_wharf "$WORK" wharf
WHARF_PID=$STARTED_PID
WHARF_PORT=$STARTED_PORT

node scripts/congestion-record.mjs --broker "activemq=$AMQ_PORT:$AMQ_PID" --broker "wharf=$WHARF_PORT:$WHARF_PID" "${ARGS[@]}"
