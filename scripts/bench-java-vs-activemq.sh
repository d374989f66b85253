#!/usr/bin/env bash
# The Java client benchmark: examples/java/bench/JavaBench.java (ActiveMQ's own client jar, N
# producer threads, 256-byte text messages, one consumer draining) against Debian's ActiveMQ 5.17
# (KahaDB) and Wharf (`wharf start`, LevelDB), both on OpenWire, persistent and non-persistent,
# phases alternated. Prints messages/s and writes them into docs/PERFORMANCE.md between
# <!-- bench-java:start --> and <!-- bench-java:end --> (unless --no-write).
#
#   scripts/bench-java-vs-activemq.sh [--seconds N] [--producers N] [--rounds N] [--no-write]
set -euo pipefail
SECS=5
PRODUCERS=8
ROUNDS=1
WRITE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS="$2"; shift 2 ;;
    --producers) PRODUCERS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --no-write) WRITE=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
. scripts/lib/activemq.sh
activemq_require
[ -f packages/cli/dist/src/bin.js ] || npx tsc -b
CP=$(scripts/java-classpath.sh)
WORK=$(mktemp -d /tmp/wharf-bench-java-XXXXXX)
chmod 755 "$WORK"
AMQ_PID=""
WHARF_PID=""
cleanup() {
  stop_pids $WHARF_PID $AMQ_PID
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/build"
javac -nowarn -cp "$CP" -d "$WORK/build" examples/java/bench/JavaBench.java

# ActiveMQ: its own conf and data, OpenWire only, KahaDB.
AMQ_PORT=$(free_port)
activemq_start "$WORK/activemq" "$AMQ_PORT" 'brokerName="bench" advisorySupport="false"' \
  "<transportConnectors><transportConnector name=\"openwire\" uri=\"tcp://127.0.0.1:$AMQ_PORT\"/></transportConnectors>"

# Wharf: `wharf start`, LevelDB, the default openwire connector on a free port.
WHARF_PORT=$(free_port)
mkdir -p "$WORK/wharf"
cat >"$WORK/wharf/wharf.yaml" <<EOF
brokerName: bench
persistent: true
dataDirectory: $WORK/wharf/data
logLevel: warn
advisorySupport: false
console:
  enabled: false
transportConnectors:
  - name: openwire
    uri: tcp://127.0.0.1:$WHARF_PORT
EOF
node packages/cli/dist/src/bin.js start --config "$WORK/wharf/wharf.yaml"  >"$WORK/wharf/out.log" 2>&1 &
WHARF_PID=$!
wait_port "$WHARF_PORT" "$WHARF_PID" Wharf || { cat "$WORK/wharf/out.log" >&2; exit 1; }

declare -A RESULT
for round in $(seq 1 "$ROUNDS"); do
  for mode in persistent non-persistent; do
    for b in activemq wharf; do
      port=$AMQ_PORT; [ $b = wharf ] && port=$WHARF_PORT
      out=$(java -cp "$WORK/build:$CP" JavaBench "tcp://127.0.0.1:$port" "$mode" "$PRODUCERS" "$SECS")
      sent=$(echo "$out" | sed -n 's/^sent\/s \([0-9]*\).*/\1/p')
      echo "round $round $mode $b: $out"
      RESULT[$b.$mode]=$(( ${RESULT[$b.$mode]:-0} + sent ))
    done
  done
done
table="| $PRODUCERS producer threads, 256-byte bodies, ${SECS} s | ActiveMQ 5.17 (KahaDB) | Wharf (LevelDB) | Wharf / ActiveMQ |
|---|---|---|---|"
for mode in persistent non-persistent; do
  a=$(( ${RESULT[activemq.$mode]} / ROUNDS )); w=$(( ${RESULT[wharf.$mode]} / ROUNDS ))
  ratio=$(node -e "console.log(($w / Math.max(1, $a)).toFixed(2))")
  table="$table
| $mode sends/s | $a | $w | ${ratio}x |"
done
echo "$table"
if [ $WRITE = 1 ]; then
  node -e '
    const fs = require("fs"); const f = "docs/PERFORMANCE.md"; let s = fs.readFileSync(f, "utf8");
    const block = "<!-- bench-java:start -->\n" + process.argv[1] + "\n<!-- bench-java:end -->";
    s = /<!-- bench-java:start -->[\s\S]*<!-- bench-java:end -->/.test(s) ? s.replace(/<!-- bench-java:start -->[\s\S]*<!-- bench-java:end -->/, block) : s;
    fs.writeFileSync(f, s);' "$table"
fi
