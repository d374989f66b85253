#!/usr/bin/env bash
# The Java client benchmark: examples/java/bench/JavaBench.java (ActiveMQ's own client jar, N
# producer threads, 256-byte text messages, one consumer draining) against Debian's ActiveMQ 5.17
# (KahaDB), a standalone Wharf (`wharf start`, LevelDB) and a three-node replicated Wharf group
# (`wharf start` processes, a real ZooKeeper, sync quorum_mem; the client on the master), all on
# OpenWire, persistent and non-persistent, phases alternated. Prints messages/s and the load
# average, and writes the table into docs/PERFORMANCE.md between <!-- bench-java:start --> and
# <!-- bench-java:end --> (unless --no-write). --no-group leaves the group out. Each broker first
# gets --warmup seconds (default 3) of the persistent load, unmeasured: three fresh node
# processes need longer than one to have their code compiled.
#
#   scripts/bench-java-vs-activemq.sh [--seconds N] [--producers N] [--rounds N] [--warmup N] [--no-group] [--no-write]
set -euo pipefail
SECS=5
PRODUCERS=8
ROUNDS=1
WRITE=1
GROUP=1
WARMUP=3
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS="$2"; shift 2 ;;
    --producers) PRODUCERS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --no-write) WRITE=0; shift ;;
    --no-group) GROUP=0; shift ;;
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
GROUP_PID=""
cleanup() {
  stop_pids $GROUP_PID $WHARF_PID $AMQ_PID
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

declare -A URL=([activemq]="tcp://127.0.0.1:$AMQ_PORT" [wharf]="tcp://127.0.0.1:$WHARF_PORT")
BROKERS="activemq wharf"
# The group: three `wharf start` processes and their ZooKeeper (scripts/lib/group-serve.mjs).
if [ $GROUP = 1 ]; then
  node scripts/lib/group-serve.mjs --sync quorum_mem >"$WORK/group.log" 2>&1 &
  GROUP_PID=$!
  for _ in $(seq 1 480); do
    grep -q '^master ' "$WORK/group.log" && break
    kill -0 "$GROUP_PID" 2>/dev/null || { cat "$WORK/group.log" >&2; exit 1; }
    sleep 0.25
  done
  URL[group]=$(sed -n 's/^master //p' "$WORK/group.log")
  [ -n "${URL[group]}" ] || { echo "the group did not elect a master" >&2; cat "$WORK/group.log" >&2; exit 1; }
  BROKERS="$BROKERS group"
fi

if [ "$WARMUP" -gt 0 ]; then
  for b in $BROKERS; do java -cp "$WORK/build:$CP" JavaBench "${URL[$b]}" persistent "$PRODUCERS" "$WARMUP" >/dev/null; done
fi
declare -A RESULT
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
  for mode in persistent non-persistent; do
    for b in $BROKERS; do
      out=$(java -cp "$WORK/build:$CP" JavaBench "${URL[$b]}" "$mode" "$PRODUCERS" "$SECS")
      sent=$(echo "$out" | sed -n 's/^sent\/s \([0-9]*\).*/\1/p')
      echo "round $round $mode $b: $out (load $(cut -d' ' -f1 /proc/loadavg))"
      RESULT[$b.$mode]=$(( ${RESULT[$b.$mode]:-0} + sent ))
    done
  done
done
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)
if [ $GROUP = 1 ] && grep -q '^roles ' "$WORK/group.log"; then
  echo "the group's master changed during the run, its numbers are void:" >&2
  grep '^roles ' "$WORK/group.log" >&2
  exit 1
fi
ratio() { node -e "console.log(($1 / Math.max(1, $2)).toFixed(2))"; }
if [ $GROUP = 1 ]; then
  table="| $PRODUCERS producer threads, 256-byte bodies, ${SECS} s | ActiveMQ 5.17 (KahaDB) | Wharf (LevelDB) | Wharf group of 3 (quorum_mem) | Wharf / ActiveMQ | group / Wharf | group / ActiveMQ |
|---|---|---|---|---|---|---|"
else
  table="| $PRODUCERS producer threads, 256-byte bodies, ${SECS} s | ActiveMQ 5.17 (KahaDB) | Wharf (LevelDB) | Wharf / ActiveMQ |
|---|---|---|---|"
fi
for mode in persistent non-persistent; do
  a=$(( ${RESULT[activemq.$mode]} / ROUNDS )); w=$(( ${RESULT[wharf.$mode]} / ROUNDS ))
  if [ $GROUP = 1 ]; then
    g=$(( ${RESULT[group.$mode]} / ROUNDS ))
    table="$table
| $mode sends/s | $a | $w | $g | $(ratio "$w" "$a")x | $(ratio "$g" "$w")x | $(ratio "$g" "$a")x |"
  else
    table="$table
| $mode sends/s | $a | $w | $(ratio "$w" "$a")x |"
  fi
done
table="$table

Load average (1 min) $LOAD_BEFORE before the run, $LOAD_AFTER after, on $(nproc) CPU cores."
echo "$table"
if [ $WRITE = 1 ]; then
  node -e '
    const fs = require("fs"); const f = "docs/PERFORMANCE.md"; let s = fs.readFileSync(f, "utf8");
    const block = "<!-- bench-java:start -->\n" + process.argv[1] + "\n<!-- bench-java:end -->";
    s = /<!-- bench-java:start -->[\s\S]*<!-- bench-java:end -->/.test(s) ? s.replace(/<!-- bench-java:start -->[\s\S]*<!-- bench-java:end -->/, block) : s;
    fs.writeFileSync(f, s);' "$table"
fi
