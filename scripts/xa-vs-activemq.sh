#!/usr/bin/env bash
# Runs the XA probe (packages/openwire/test/java/XaProbe.java) against Debian's Apache ActiveMQ
# 5.17 (KahaDB), restarting it between `prepare` and `complete`, to record what ActiveMQ answers;
# packages/openwire/test/xa.test.ts expects the same lines from Wharf. Last, `active` holds a
# branch started (not ended) on a failover:(...) connection while ActiveMQ is killed (SIGKILL)
# and started again on the same store, and `interleaved` a branch ended (not prepared) then
# committed in one phase across the same: test-cluster/xa.test.mjs expects the same of a Wharf
# group whose master is killed.
#
#   scripts/xa-vs-activemq.sh
#
# ActiveMQ runs from its own config and data directory under a temporary folder, as the
# `activemq` user, on a free loopback port (scripts/lib/activemq.sh); it is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/activemq.sh
activemq_require
WORK=$(mktemp -d /tmp/wharf-xa-vs-activemq-XXXXXX)
chmod 755 "$WORK" # the activemq user must reach its directory
AMQ_PID=""
PROBE_PID=""
cleanup() {
  exec 3>&- 2>/dev/null || true
  [ -z "$PROBE_PID" ] || kill -KILL "$PROBE_PID" 2>/dev/null || true
  [ -z "$AMQ_PID" ] || stop_pids "$AMQ_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(free_port)
start() {
  activemq_start "$WORK/activemq" "$PORT" 'brokerName="xa"' \
    "<transportConnectors><transportConnector name=\"openwire\" uri=\"tcp://127.0.0.1:$PORT\"/></transportConnectors>"
}
CP=$(scripts/java-classpath.sh)
mkdir -p "$WORK/build"
javac -nowarn -encoding UTF-8 -cp "$CP" -d "$WORK/build" packages/openwire/test/java/XaProbe.java
probe() { java -cp "$WORK/build:$CP" XaProbe "$@"; }
URL="tcp://127.0.0.1:$PORT"
start
echo "ActiveMQ $(dpkg-query -W -f='${Version}' activemq) on $URL"
echo "== twophase"
probe twophase "$URL" xa.twophase
echo "== prepare"
probe prepare "$URL" xa.restart restart
stop_pids "$AMQ_PID"
AMQ_PID=""
start
echo "== complete (after a restart)"
probe complete "$URL" xa.restart restart

# across_kill MODE QUEUE TAG: XaProbe MODE on failover:(...); once it prints TAG, ActiveMQ is
# killed (SIGKILL) and started again on the same store; then the program goes on.
mkfifo "$WORK/in"
across_kill() {
  probe "$1" "failover:($URL)" "$2" "$3" <"$WORK/in" >"$WORK/$1.out" 2>"$WORK/$1.err" &
  PROBE_PID=$!
  exec 3>"$WORK/in"
  for _ in $(seq 1 120); do grep -q "^$3\$" "$WORK/$1.out" && break; sleep 0.25; done
  grep -q "^$3\$" "$WORK/$1.out" || { cat "$WORK/$1.out" "$WORK/$1.err" >&2; exit 1; }
  kill -KILL "$AMQ_PID"
  wait "$AMQ_PID" 2>/dev/null || true
  AMQ_PID=""
  start
  echo go >&3
  exec 3>&-
  wait "$PROBE_PID" || { cat "$WORK/$1.err" >&2; exit 1; }
  PROBE_PID=""
  cat "$WORK/$1.out"
}
echo "== active (a branch not ended when ActiveMQ is killed; the failover connection comes back)"
across_kill active xa.active active
echo "== interleaved (a branch ended, not prepared, when ActiveMQ is killed; committed after it)"
across_kill interleaved xa.interleaved interleaved
