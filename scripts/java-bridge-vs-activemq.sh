#!/usr/bin/env bash
# Records what ActiveMQ's network bridges do with Java messages, the expectation that
# test-cluster/openwire-bridge.test.mjs holds Wharf to: two Debian ActiveMQ 5.17 brokers, the
# first with a network connector to the second; BridgeJava (packages/openwire/test/java) sends
# from the first and receives on the second, on a queue (20 messages before the consumer exists,
# 80 after) and on a topic (60, once the bridge subscribed), and the lines received are compared
# with the lines sent: each once, in order per producer, headers, typed properties and bodies.
#
#   scripts/java-bridge-vs-activemq.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/activemq.sh
activemq_require
CP=$(scripts/java-classpath.sh)
WORK=$(mktemp -d /tmp/wharf-java-bridge-XXXXXX)
chmod 755 "$WORK"
A_PID=""
B_PID=""
cleanup() {
  stop_pids $A_PID $B_PID
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/build"
javac -nowarn -encoding UTF-8 -cp "$CP" -d "$WORK/build" packages/openwire/test/java/*.java
A=$(free_port)
B=$(free_port)
openwire() { echo "<transportConnectors><transportConnector name=\"openwire\" uri=\"tcp://127.0.0.1:$1\"/></transportConnectors>"; }
activemq_start "$WORK/b" "$B" 'brokerName="west"' "$(openwire "$B")"
B_PID=$AMQ_PID
activemq_start "$WORK/a" "$A" 'brokerName="east"' \
  "<networkConnectors><networkConnector name=\"to-west\" uri=\"static:(tcp://127.0.0.1:$B)\"/></networkConnectors>$(openwire "$A")"
A_PID=$AMQ_PID
echo "ActiveMQ $(dpkg-query -W -f='${Version}' activemq): east tcp://127.0.0.1:$A bridged to west tcp://127.0.0.1:$B"
bj() { java -cp "$WORK/build:$CP" BridgeJava "$@"; }

# Lines received = lines sent (as sets), and per producer in the same order.
compare() { # sent-file received-file producers...
  local sent=$1 got=$2
  shift 2
  diff <(sort "$sent") <(sort "$got") >/dev/null || { echo "DIFFERENT: $(diff <(sort "$sent") <(sort "$got") | head -5)"; return 1; }
  for p in "$@"; do
    diff <(grep -F "|p.producer=String:$p|" "$sent") <(grep -F "|p.producer=String:$p|" "$got") >/dev/null || { echo "ORDER differs for $p"; return 1; }
  done
  echo "same: $(wc -l <"$got") messages, each once, in order per producer"
}

bj send "tcp://127.0.0.1:$A" queue:BRIDGE.JAVA early 1 >"$WORK/sent-q"
echo "queue: a browser on west sees $(bj browse "tcp://127.0.0.1:$B" BRIDGE.JAVA | wc -l) messages (not demand)"
bj receive "tcp://127.0.0.1:$B" queue:BRIDGE.JAVA 100 | grep -v '^consuming$' >"$WORK/got-q" &
RECV=$!
bj send "tcp://127.0.0.1:$A" queue:BRIDGE.JAVA late 4 >>"$WORK/sent-q"
wait $RECV
echo -n "queue: "
compare "$WORK/sent-q" "$WORK/got-q" early-p0 early-p1 late-p0 late-p1

bj receive "tcp://127.0.0.1:$B" topic:BRIDGE.JAVA.TOPIC 60 | grep -v '^consuming$' >"$WORK/got-t" &
RECV=$!
bj demand "tcp://127.0.0.1:$A" BRIDGE.JAVA.TOPIC
bj send "tcp://127.0.0.1:$A" topic:BRIDGE.JAVA.TOPIC pub 3 >"$WORK/sent-t"
wait $RECV
echo -n "topic: "
compare "$WORK/sent-t" "$WORK/got-t" pub-p0 pub-p1
