#!/usr/bin/env bash
# Records what Apache ActiveMQ 5.17 (Debian's) does with open local transactions across a
# failover, for test-cluster/openwire-failover.test.mjs to expect the same of a Wharf group: a
# shared-store master/slave pair (two brokers on one KahaDB directory; the slave waits for the
# lock and opens no connector), test-cluster/java/OwFailover's `tx-across-failover` program
# through failover:(master,slave), the master killed with SIGKILL once the program has its
# transactions open, "go" once the client has reconnected to the slave. Prints the program's
# lines. Needs root (or the activemq package and permission to run as its user).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg -s activemq >/dev/null 2>&1; then
  echo "Debian's activemq package is missing: scripts/setup-test-deps.sh installs it" >&2
  exit 1
fi
WORK=$(mktemp -d /tmp/wharf-ow-failover-vs-activemq-XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  exec 3>&- 2>/dev/null || true
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
JAVA=/usr/lib/jvm/default-java/bin/java
[ -x "$JAVA" ] || JAVA=$(command -v java)
SHARED=$WORK/shared
mkdir -p "$SHARED"

# start_broker NAME PORT: one ActiveMQ on the shared KahaDB directory; prints its pid.
start_broker() {
  local amq=$WORK/$1
  mkdir -p "$amq/conf" "$amq/data" "$amq/tmp"
  cp /etc/activemq/instances-available/main/log4j2.properties "$amq/conf/" 2>/dev/null || true
  cat >"$amq/conf/activemq.xml" <<EOF
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
                           http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="pair" useJmx="false" dataDirectory="$amq/data">
    <persistenceAdapter>
      <kahaDB directory="$SHARED/kahadb">
        <locker><shared-file-locker lockAcquireSleepInterval="500"/></locker>
      </kahaDB>
    </persistenceAdapter>
    <transportConnectors>
      <transportConnector name="openwire" uri="tcp://127.0.0.1:$2"/>
    </transportConnectors>
  </broker>
</beans>
EOF
  chown -R activemq:activemq "$amq" "$SHARED"
  (cd "$amq" && exec setsid setpriv --reuid=activemq --regid=activemq --init-groups -- "$JAVA" \
    -Xms128M -Xmx256M -Djava.awt.headless=true -Djava.io.tmpdir="$amq/tmp" --add-reads=java.xml=java.logging \
    --add-opens=java.base/java.security=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
    --add-opens=java.naming/javax.naming.spi=ALL-UNNAMED --add-opens=java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED \
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
    -Dactivemq.classpath="$amq/conf" -Dactivemq.home=/usr/share/activemq -Dactivemq.base="$amq" \
    -Dactivemq.conf="$amq/conf" -Dactivemq.data="$amq/data" \
    -jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$amq/conf/activemq.xml") >"$amq/console.log" 2>&1 &
  echo $!
}

wait_port() {
  for _ in $(seq 1 240); do
    node -e "const s=require('net').connect($1,'127.0.0.1',()=>{s.end();process.exit(0)});s.on('error',()=>process.exit(1))" 2>/dev/null && return 0
    sleep 0.25
  done
  echo "nothing listens on $1" >&2
  return 1
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
MASTER=$(start_broker master "$P1")
PIDS+=("$MASTER")
wait_port "$P1"
SLAVE=$(start_broker slave "$P2")
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
wait_port "$P2"
wait_line '^RESUMED ' 2
echo go >&3
wait_line '^CLOSED$'
cat "$WORK/out"
