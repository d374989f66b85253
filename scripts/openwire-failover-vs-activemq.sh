#!/usr/bin/env bash
# Records what Apache ActiveMQ 5.17 (Debian's) does with open local transactions across a
# failover, for test-cluster/openwire-failover.test.mjs to expect the same of a Wharf group: a
# shared-store master/slave pair (two brokers on one KahaDB directory; the slave waits for the
# lock and opens no connector), test-cluster/java/OwFailover's `tx-across-failover` program
# through failover:(master,slave), the master killed with SIGKILL once the program has its
# transactions open, "go" once the client has reconnected to the slave. Prints the program's
# lines. Needs root (or the activemq package and permission to run as its user). The brokers
# start as scripts/lib/activemq.sh starts every ActiveMQ here.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/activemq.sh
activemq_require
WORK=$(mktemp -d /tmp/wharf-ow-failover-vs-activemq-XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  exec 3>&- 2>/dev/null || true
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

JAVA=/usr/lib/jvm/default-java/bin/java
[ -x "$JAVA" ] || JAVA=$(command -v java)
SHARED=$WORK/shared
mkdir -p "$SHARED"

# start_broker NAME PORT: one ActiveMQ of the pair on the shared KahaDB directory (sets AMQ_PID;
# the slave opens its connector only once it has the lock).
start_broker() {
  chown activemq:activemq "$SHARED"
  activemq_launch "$WORK/$1" "$2" 'brokerName="pair"' "
    <persistenceAdapter>
      <kahaDB directory=\"$SHARED/kahadb\">
        <locker><shared-file-locker lockAcquireSleepInterval=\"500\"/></locker>
      </kahaDB>
    </persistenceAdapter>
    <transportConnectors><transportConnector name=\"openwire\" uri=\"tcp://127.0.0.1:$2\"/></transportConnectors>" \
    -Xms128M -Xmx256M
}

# wait_line PATTERN [COUNT]: until the program's output has COUNT lines matching PATTERN.
wait_line() {
  for _ in $(seq 1 240); do
    [ "$(grep -c -E "$1" "$WORK/out" || true)" -ge "${2:-1}" ] && return 0
    sleep 0.25
  done
  echo "no '$1' from the program:" >&2
  cat "$WORK/out" >&2
  return 1
}

P1=$(free_port)
P2=$(free_port)
start_broker master "$P1"
MASTER=$AMQ_PID
PIDS+=("$MASTER")
wait_port "$P1" "$MASTER" "the master"
start_broker slave "$P2"
SLAVE=$AMQ_PID
PIDS+=("$SLAVE")
echo "ActiveMQ $(dpkg-query -W -f='${Version}' activemq): master on $P1, slave waiting for the lock (port $P2)"

BUILD=$WORK/build
mkdir -p "$BUILD"
CP=$(scripts/java-classpath.sh)
javac -nowarn -cp "$CP" -d "$BUILD" test-cluster/java/OwFailover.java
mkfifo "$WORK/in"
"$JAVA" -cp "$BUILD:$CP" OwFailover tx-across-failover "failover:(tcp://127.0.0.1:$P1,tcp://127.0.0.1:$P2)?randomize=false" OW.TX <"$WORK/in" >"$WORK/out" 2>"$WORK/err" &
PIDS+=("$!")
exec 3>"$WORK/in"
wait_line '^READY$'
kill -KILL "$MASTER"
wait "$MASTER" 2>/dev/null || true # reaped here, without the shell's "Killed" notice
wait_port "$P2" "$SLAVE" "the slave"
wait_line '^RESUMED ' 2
echo go >&3
wait_line '^CLOSED$'
cat "$WORK/out"
