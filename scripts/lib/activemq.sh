# Shared by the scripts that run Debian's ActiveMQ 5.17 next to Wharf (bench-vs-activemq.sh,
# bench-java-vs-activemq.sh, java-examples-vs-activemq.sh, java-bridge-vs-activemq.sh,
# xa-vs-activemq.sh, openwire-failover-vs-activemq.sh, congestion-vs-activemq.sh). Source it; it
# defines functions only.
#
#   activemq_require [--install]     fail (or, as root with --install, apt-get install) when
#                                    Debian's activemq package is missing
#   free_port                        prints a free loopback port
#   wait_port PORT PID WHAT          waits (60 s) until PORT listens; fails early if PID exits
#   activemq_start DIR PORT ATTRS BODY [JVM option ...]
#                                    ActiveMQ with its own conf, data and tmp under DIR, KahaDB,
#                                    broker attributes ATTRS and the XML BODY inside <broker>
#                                    (transport connectors, network connectors; a
#                                    <persistenceAdapter> there replaces the default KahaDB in
#                                    DIR/data); waits for PORT; sets AMQ_PID; its output is
#                                    DIR/console.log; JVM options come after the defaults (a
#                                    later -Xmx wins)
#   activemq_launch DIR PORT ATTRS BODY [JVM option ...]
#                                    the same without waiting for PORT (a shared-store slave
#                                    opens no connector until it has the lock)
#   stop_pids PID ...                SIGTERM, up to 10 s to exit, then SIGKILL
#   start_wharf WORK NAME [ROOT]     Wharf with LevelDB in WORK/NAME and a STOMP connector
#                                    (scripts/bench-stomp.mjs serve, from another checkout's
#                                    build with ROOT); sets STARTED_PID and STARTED_PORT
#
# ActiveMQ runs as the `activemq` user (root starts it through setpriv) from the JVM options
# Debian's /usr/bin/activemq uses; setsid and exec make $! the JVM itself, so stop_pids ends
# exactly the broker that was started, never the package's own instance.

activemq_require() {
  dpkg -s activemq >/dev/null 2>&1 && return 0
  if [ "${1:-}" = --install ] && [ "$(id -u)" = 0 ]; then
    echo "installing Debian's activemq package" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends activemq >/dev/null
    return 0
  fi
  echo "Debian's activemq package is missing: scripts/setup-test-deps.sh installs it" >&2
  return 1
}

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

wait_port() {
  for _ in $(seq 1 240); do
    if node -e "const s=require('net').connect($1,'127.0.0.1',()=>{s.end();process.exit(0)});s.on('error',()=>process.exit(1))" 2>/dev/null; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then echo "${3:-process $2} exited before listening on $1" >&2; return 1; fi
    sleep 0.25
  done
  echo "${3:-process $2} did not listen on port $1 within 60 s" >&2
  return 1
}

activemq_start() {
  activemq_launch "$@"
  wait_port "$2" "$AMQ_PID" ActiveMQ || { tail -30 "$1/console.log" >&2; return 1; }
}

activemq_launch() {
  local dir=$1 attrs=$3 body=$4
  shift 4
  local store="<persistenceAdapter><kahaDB directory=\"$dir/data/kahadb\"/></persistenceAdapter>"
  case "$body" in *'<persistenceAdapter'*) store='' ;; esac
  mkdir -p "$dir/conf" "$dir/data" "$dir/tmp"
  chmod 755 "$dir" # the activemq user must reach it (and every folder above it)
  cp /etc/activemq/instances-available/main/log4j2.properties "$dir/conf/" 2>/dev/null || true
  cat >"$dir/conf/activemq.xml" <<EOF
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
                           http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" useJmx="false" dataDirectory="$dir/data" $attrs>
    $store
    $body
  </broker>
</beans>
EOF
  chown -R activemq:activemq "$dir"
  local java=/usr/lib/jvm/default-java/bin/java
  [ -x "$java" ] || java=$(command -v java)
  (cd "$dir" && exec setsid setpriv --reuid=activemq --regid=activemq --init-groups -- "$java" \
    -Xms512M -Xmx512M "$@" -Djava.awt.headless=true -Djava.io.tmpdir="$dir/tmp" --add-reads=java.xml=java.logging \
    --add-opens=java.base/java.security=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
    --add-opens=java.naming/javax.naming.spi=ALL-UNNAMED --add-opens=java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED \
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
    -Dactivemq.classpath="$dir/conf" -Dactivemq.home=/usr/share/activemq -Dactivemq.base="$dir" \
    -Dactivemq.conf="$dir/conf" -Dactivemq.data="$dir/data" \
    -jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$dir/conf/activemq.xml") >"$dir/console.log" 2>&1 &
  AMQ_PID=$!
}

stop_pids() {
  local pid alive
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "$@"; do if kill -0 "$pid" 2>/dev/null; then alive=1; fi; done
    if [ $alive = 0 ]; then return 0; fi
    sleep 0.2
  done
  for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
}

start_wharf() {
  local work=$1 name=$2 from=${3:-}
  mkdir -p "$work/$name"
  node scripts/bench-stomp.mjs serve --data "$work/$name/data" ${from:+--root "$from"} >"$work/$name/out.log" 2>&1 &
  STARTED_PID=$!
  for _ in $(seq 1 120); do
    grep -q '^port ' "$work/$name/out.log" 2>/dev/null && break
    kill -0 "$STARTED_PID" 2>/dev/null || { cat "$work/$name/out.log" >&2; return 1; }
    sleep 0.25
  done
  STARTED_PORT=$(sed -n 's/^port //p' "$work/$name/out.log")
  [ -n "$STARTED_PORT" ] || { echo "Wharf ($name) did not start" >&2; cat "$work/$name/out.log" >&2; return 1; }
  echo "started Wharf ($name${from:+, from $from}) on stomp://127.0.0.1:$STARTED_PORT"
}
