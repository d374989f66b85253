#!/usr/bin/env bash
# Runs the XA probe (packages/openwire/test/java/XaProbe.java) against Debian's Apache ActiveMQ
# 5.17 (KahaDB), restarting it between `prepare` and `complete`, to record what ActiveMQ answers;
# packages/openwire/test/xa.test.ts expects the same lines from Wharf.
#
#   scripts/xa-vs-activemq.sh
#
# ActiveMQ runs from its own config and data directory under a temporary folder, as the
# `activemq` user, on a free loopback port; it is stopped at the end. Needs root (or the
# activemq package installed and permission to run as its user).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg -s activemq >/dev/null 2>&1; then
  echo "Debian's activemq package is missing: scripts/setup-test-deps.sh installs it" >&2
  exit 1
fi
WORK=$(mktemp -d /tmp/wharf-xa-vs-activemq-XXXXXX)
chmod 755 "$WORK"
AMQ_PID=""
stop_amq() {
  if [ -n "$AMQ_PID" ]; then
    kill -TERM "$AMQ_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$AMQ_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$AMQ_PID" 2>/dev/null || true
    AMQ_PID=""
  fi
}
cleanup() {
  stop_amq
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
AMQ=$WORK/activemq
mkdir -p "$AMQ/conf" "$AMQ/data" "$AMQ/tmp"
cp /etc/activemq/instances-available/main/log4j2.properties "$AMQ/conf/" 2>/dev/null || true
cat >"$AMQ/conf/activemq.xml" <<EOF
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
                           http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="xa" useJmx="false" dataDirectory="$AMQ/data">
    <persistenceAdapter>
      <kahaDB directory="$AMQ/data/kahadb"/>
    </persistenceAdapter>
    <transportConnectors>
      <transportConnector name="openwire" uri="tcp://127.0.0.1:$PORT"/>
    </transportConnectors>
  </broker>
</beans>
EOF
chown -R activemq:activemq "$AMQ"
JAVA=/usr/lib/jvm/default-java/bin/java
[ -x "$JAVA" ] || JAVA=$(command -v java)
start_amq() {
  (cd "$AMQ" && exec setsid setpriv --reuid=activemq --regid=activemq --init-groups -- "$JAVA" \
    -Xms256M -Xmx512M -Djava.awt.headless=true -Djava.io.tmpdir="$AMQ/tmp" --add-reads=java.xml=java.logging \
    --add-opens=java.base/java.security=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
    --add-opens=java.naming/javax.naming.spi=ALL-UNNAMED --add-opens=java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED \
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
    -Dactivemq.classpath="$AMQ/conf" -Dactivemq.home=/usr/share/activemq -Dactivemq.base="$AMQ" \
    -Dactivemq.conf="$AMQ/conf" -Dactivemq.data="$AMQ/data" \
    -jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$AMQ/conf/activemq.xml") >>"$AMQ/console.log" 2>&1 &
  AMQ_PID=$!
  for _ in $(seq 1 240); do
    node -e "const s=require('net').connect($PORT,'127.0.0.1',()=>{s.end();process.exit(0)});s.on('error',()=>process.exit(1))" 2>/dev/null && return 0
    kill -0 "$AMQ_PID" 2>/dev/null || { tail -30 "$AMQ/console.log" >&2; exit 1; }
    sleep 0.25
  done
  echo "ActiveMQ did not start" >&2
  exit 1
}
CP=$(scripts/java-classpath.sh)
BUILD=$WORK/build
mkdir -p "$BUILD"
javac -nowarn -encoding UTF-8 -cp "$CP" -d "$BUILD" packages/openwire/test/java/XaProbe.java
URL="tcp://127.0.0.1:$PORT"
start_amq
echo "ActiveMQ $(dpkg-query -W -f='${Version}' activemq) on $URL"
echo "== twophase"
java -cp "$BUILD:$CP" XaProbe twophase "$URL" xa.twophase
echo "== prepare"
java -cp "$BUILD:$CP" XaProbe prepare "$URL" xa.restart restart
stop_amq
start_amq
echo "== complete (after a restart)"
java -cp "$BUILD:$CP" XaProbe complete "$URL" xa.restart restart
