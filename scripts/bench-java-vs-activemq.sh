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
dpkg -s activemq >/dev/null 2>&1 || { echo "Debian's activemq package is missing: scripts/setup-test-deps.sh installs it" >&2; exit 1; }
[ -f packages/cli/dist/src/bin.js ] || npx tsc -b
CP=$(scripts/java-classpath.sh)
WORK=$(mktemp -d /tmp/wharf-bench-java-XXXXXX)
chmod 755 "$WORK"
AMQ_PID=""
WHARF_PID=""
cleanup() {
  for pid in $WHARF_PID $AMQ_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in $WHARF_PID $AMQ_PID; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for pid in $WHARF_PID $AMQ_PID; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
wait_port() {
  for _ in $(seq 1 240); do
    node -e "const s=require('net').connect($1,'127.0.0.1',()=>{s.end();process.exit(0)});s.on('error',()=>process.exit(1))" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.25
  done
  return 1
}

mkdir -p "$WORK/build"
javac -nowarn -cp "$CP" -d "$WORK/build" examples/java/bench/JavaBench.java

# ActiveMQ: its own conf and data, OpenWire only, KahaDB.
AMQ_PORT=$(free_port)
AMQ=$WORK/activemq
mkdir -p "$AMQ/conf" "$AMQ/data" "$AMQ/tmp"
cp /etc/activemq/instances-available/main/log4j2.properties "$AMQ/conf/" 2>/dev/null || true
cat >"$AMQ/conf/activemq.xml" <<EOF
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
                           http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="bench" useJmx="false" dataDirectory="$AMQ/data" advisorySupport="false">
    <persistenceAdapter><kahaDB directory="$AMQ/data/kahadb"/></persistenceAdapter>
    <transportConnectors><transportConnector name="openwire" uri="tcp://127.0.0.1:$AMQ_PORT"/></transportConnectors>
  </broker>
</beans>
EOF
chown -R activemq:activemq "$AMQ"
JAVA=/usr/lib/jvm/default-java/bin/java
[ -x "$JAVA" ] || JAVA=$(command -v java)
(cd "$AMQ" && exec setsid setpriv --reuid=activemq --regid=activemq --init-groups -- "$JAVA" \
  -Xms512M -Xmx512M -Djava.awt.headless=true -Djava.io.tmpdir="$AMQ/tmp" --add-reads=java.xml=java.logging \
  --add-opens=java.base/java.security=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.naming/javax.naming.spi=ALL-UNNAMED --add-opens=java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
  -Dactivemq.classpath="$AMQ/conf" -Dactivemq.home=/usr/share/activemq -Dactivemq.base="$AMQ" \
  -Dactivemq.conf="$AMQ/conf" -Dactivemq.data="$AMQ/data" \
  -jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$AMQ/conf/activemq.xml") >"$AMQ/console.log" 2>&1 &
AMQ_PID=$!
wait_port "$AMQ_PORT" "$AMQ_PID" || { tail -30 "$AMQ/console.log" >&2; exit 1; }

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
wait_port "$WHARF_PORT" "$WHARF_PID" || { cat "$WORK/wharf/out.log" >&2; exit 1; }

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
