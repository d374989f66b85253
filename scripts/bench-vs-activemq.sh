#!/usr/bin/env bash
# Side-by-side STOMP benchmark: Wharf (LevelDB) against Apache ActiveMQ 5.17 (KahaDB), the same
# load on both, phases alternated (scripts/bench-stomp.mjs says what each phase does). Prints
# messages/s and the Wharf/ActiveMQ ratio, and writes them into docs/PERFORMANCE.md between
# <!-- bench-vs-activemq:start --> and <!-- bench-vs-activemq:end -->.
#
#   scripts/bench-vs-activemq.sh [--seconds N] [--rounds N] [--phases a,b] [--no-write]
#
# --phases runs only the named phases (scripts/bench-stomp.mjs lists them), e.g.
# `--phases nonpersistent-receipt-roundtrip --no-write` for a quick look at one of them.
#
# Installs Debian's `activemq` package when it is missing (root: apt-get). ActiveMQ runs from
# its own config and data directory under a temporary folder, as the `activemq` user, with
# only a STOMP connector on a free loopback port; both brokers are stopped at the end.
set -euo pipefail

SECONDS_PER_PHASE=6
ROUNDS=2
WRITE=--write
PHASES=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_PHASE="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --phases) PHASES="--phases=$2"; shift 2 ;;
    --no-write) WRITE=""; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
ROOT=$PWD

# ---- ActiveMQ from Debian ----------------------------------------------------------------------
if ! dpkg -s activemq >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "Debian's activemq package is missing: run as root, or: sudo apt-get install -y activemq" >&2
    exit 1
  fi
  echo "installing Debian's activemq package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends activemq >/dev/null
fi
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
cleanup() {
  # Each broker is stopped by the id this script started it with.
  if [ -n "$WHARF_PID" ] && kill -0 "$WHARF_PID" 2>/dev/null; then kill -TERM "$WHARF_PID" 2>/dev/null || true; fi
  if [ -n "$AMQ_PID" ]; then kill -TERM "$AMQ_PID" 2>/dev/null || true; fi
  for _ in $(seq 1 50); do
    alive=0
    if [ -n "$WHARF_PID" ] && kill -0 "$WHARF_PID" 2>/dev/null; then alive=1; fi
    if [ -n "$AMQ_PID" ] && kill -0 "$AMQ_PID" 2>/dev/null; then alive=1; fi
    [ $alive = 0 ] && break
    sleep 0.2
  done
  if [ -n "$AMQ_PID" ]; then kill -KILL "$AMQ_PID" 2>/dev/null || true; fi
  if [ -n "$WHARF_PID" ]; then kill -KILL "$WHARF_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

wait_port() { # port, what, pid
  for _ in $(seq 1 240); do
    if node -e "const s=require('net').connect($1,'127.0.0.1',()=>{s.end();process.exit(0)});s.on('error',()=>process.exit(1))" 2>/dev/null; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then echo "$2 exited before listening" >&2; return 1; fi
    sleep 0.25
  done
  echo "$2 did not listen on port $1 within 60 s" >&2
  return 1
}

# ---- start ActiveMQ: own conf/data/tmp, STOMP only, no web console, KahaDB -------------------------
AMQ_PORT=$(free_port)
AMQ=$WORK/activemq
mkdir -p "$AMQ/conf" "$AMQ/data" "$AMQ/tmp"
cp /etc/activemq/instances-available/main/log4j2.properties "$AMQ/conf/" 2>/dev/null || true
cat >"$AMQ/conf/activemq.xml" <<EOF
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
                           http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="bench" useJmx="false"
          dataDirectory="$AMQ/data" advisorySupport="false" schedulerSupport="false">
    <persistenceAdapter>
      <kahaDB directory="$AMQ/data/kahadb"/>
    </persistenceAdapter>
    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:$AMQ_PORT"/>
    </transportConnectors>
  </broker>
</beans>
EOF
chown -R activemq:activemq "$AMQ"
echo "starting ActiveMQ $(dpkg-query -W -f='${Version}' activemq) on stomp://127.0.0.1:$AMQ_PORT"
# The JVM as /usr/bin/activemq starts it (Debian's options: 512 MiB heap), run directly as the
# activemq user: setsid and setpriv exec, so $! is the JVM itself and the cleanup stops it.
JAVA=/usr/lib/jvm/default-java/bin/java
[ -x "$JAVA" ] || JAVA=$(command -v java)
(cd "$AMQ" && exec setsid setpriv --reuid=activemq --regid=activemq --init-groups -- "$JAVA" \
  -Xms512M -Xmx512M -Dorg.apache.activemq.UseDedicatedTaskRunner=true -Djava.awt.headless=true \
  -Djava.io.tmpdir="$AMQ/tmp" --add-reads=java.xml=java.logging \
  --add-opens=java.base/java.security=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.naming/javax.naming.spi=ALL-UNNAMED --add-opens=java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
  -Dactivemq.classpath="$AMQ/conf" -Dactivemq.home=/usr/share/activemq -Dactivemq.base="$AMQ" \
  -Dactivemq.conf="$AMQ/conf" -Dactivemq.data="$AMQ/data" \
  -jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$AMQ/conf/activemq.xml") >"$AMQ/console.log" 2>&1 &
AMQ_PID=$!
wait_port "$AMQ_PORT" ActiveMQ "$AMQ_PID" || { tail -30 "$AMQ/console.log" >&2; exit 1; }

# ---- start Wharf: LevelDB store, STOMP connector ---------------------------------------------------
mkdir -p "$WORK/wharf"
node scripts/bench-stomp.mjs serve --data "$WORK/wharf/data" >"$WORK/wharf/out.log" 2>&1 &
WHARF_PID=$!
for _ in $(seq 1 120); do
  grep -q '^port ' "$WORK/wharf/out.log" 2>/dev/null && break
  kill -0 "$WHARF_PID" 2>/dev/null || { cat "$WORK/wharf/out.log" >&2; exit 1; }
  sleep 0.25
done
WHARF_PORT=$(sed -n 's/^port //p' "$WORK/wharf/out.log")
[ -n "$WHARF_PORT" ] || { echo "Wharf did not start" >&2; cat "$WORK/wharf/out.log" >&2; exit 1; }
echo "started Wharf on stomp://127.0.0.1:$WHARF_PORT"

# ---- the same load on both, alternating ----------------------------------------------------------
node scripts/bench-stomp.mjs run --broker "wharf=$WHARF_PORT" --broker "activemq=$AMQ_PORT" \
  --pid "wharf=$WHARF_PID" --pid "activemq=$AMQ_PID" \
  --seconds "$SECONDS_PER_PHASE" --rounds "$ROUNDS" $PHASES $WRITE
