#!/usr/bin/env bash
# Runs ZooKeeper for local development and manual cluster tests, on loopback.
#
#   scripts/zookeeper.sh start-standalone <port> <dataDir>   one server
#   scripts/zookeeper.sh start-ensemble <basePort> <dataDir> three servers: client ports
#                                                            basePort..basePort+2
#   scripts/zookeeper.sh status <dataDir>
#   scripts/zookeeper.sh stop <dataDir>
#
# A start prints the connect string on stdout (progress goes to stderr), so
#   ZK=$(scripts/zookeeper.sh start-standalone 2181 /tmp/zk)
# works. Config, pid file and log of each server are in its directory (<dataDir> or
# <dataDir>/zk1..zk3). Needs java and ZooKeeper's jar (scripts/install-zookeeper.sh), or
# WHARF_ZOOKEEPER_CLASSPATH. ZK_TICK_TIME (default 500 ms) sets the tick; sessions from
# 2 ticks to 60 s are accepted, so Wharf's default zkSessionTimeout of 2 s is honoured.
set -euo pipefail

JAR=/usr/share/java/zookeeper.jar
SLF4J_SIMPLE=/usr/share/java/slf4j-simple.jar
TICK=${ZK_TICK_TIME:-500}
START_TIMEOUT=${ZK_START_TIMEOUT:-30}
SCRIPT=$(basename "$0")

log() { echo "$SCRIPT: $*" >&2; }
die() { echo "$SCRIPT: error: $*" >&2; exit 1; }

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

classpath() {
  if [[ -n "${WHARF_ZOOKEEPER_CLASSPATH:-}" ]]; then
    echo "$WHARF_ZOOKEEPER_CLASSPATH"
  elif [[ -f "$JAR" ]]; then
    if [[ -f "$SLF4J_SIMPLE" ]]; then echo "$JAR:$SLF4J_SIMPLE"; else echo "$JAR"; fi
  else
    die "ZooKeeper is not installed ($JAR is missing). Run scripts/install-zookeeper.sh, or set WHARF_ZOOKEEPER_CLASSPATH."
  fi
}

check_java() {
  command -v "${JAVA:-java}" >/dev/null 2>&1 ||
    die "java not found. Install a Java runtime (Debian: apt-get install default-jre-headless) or set JAVA."
}

check_port_arg() {
  if ! [[ "$1" =~ ^[0-9]+$ ]] || (( $1 < 1 || $1 > 65535 )); then die "'$1' is not a TCP port number"; fi
}

# Sends a four-letter word to 127.0.0.1:<port>; prints the answer (empty if none).
four_letter() {
  # shellcheck disable=SC2016 # $1 and $2 belong to the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "%s" "$2" >&3 && cat <&3' _ "$1" "$2" 2>/dev/null || true
}

port_in_use() {
  # shellcheck disable=SC2016 # $1 belongs to the inner bash
  timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# Prints <count> distinct free loopback ports.
free_ports() {
  local count=$1
  if command -v node >/dev/null 2>&1; then
    node -e '
      const net = require("net"); const n = Number(process.argv[1]); const servers = [];
      (async () => {
        for (let i = 0; i < n; i++) {
          const s = net.createServer(); servers.push(s);
          await new Promise((ok) => s.listen(0, "127.0.0.1", ok));
        }
        console.log(servers.map((s) => s.address().port).join(" "));
        servers.forEach((s) => s.close());
      })();' "$count"
    return
  fi
  local ports=() p
  while (( ${#ports[@]} < count )); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! port_in_use "$p" && [[ " ${ports[*]} " != *" $p "* ]]; then ports+=("$p"); fi
  done
  echo "${ports[*]}"
}

pid_alive() {
  local pidfile=$1 pid
  [[ -f "$pidfile" ]] || return 1
  pid=$(<"$pidfile")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q zookeeper "/proc/$pid/cmdline" 2>/dev/null
}

# write_config <dir> <clientPort> [extra lines...]
write_config() {
  local dir=$1 port=$2
  shift 2
  mkdir -p "$dir/data"
  {
    echo "tickTime=$TICK"
    echo "dataDir=$dir/data"
    echo "clientPort=$port"
    echo "clientPortAddress=127.0.0.1"
    echo "minSessionTimeout=$(( 2 * TICK ))"
    echo "maxSessionTimeout=60000"
    echo "maxClientCnxns=0"
    echo "4lw.commands.whitelist=*"
    echo "admin.enableServer=false"
    printf '%s\n' "$@"
  } >"$dir/zoo.cfg"
}

# launch <dir> <mainClass>: starts java in the background, pid in <dir>/zookeeper.pid.
launch() {
  local dir=$1 main=$2 cp
  cp=$(classpath)
  log "starting $main with $dir/zoo.cfg (log: $dir/zookeeper.log)"
  nohup "${JAVA:-java}" -Xmx256m -XX:+UseSerialGC -Dzookeeper.admin.enableServer=false \
    -Djava.net.preferIPv4Stack=true -Dorg.slf4j.simpleLogger.showDateTime=true \
    -cp "$cp" "$main" "$dir/zoo.cfg" >>"$dir/zookeeper.log" 2>&1 </dev/null &
  echo $! >"$dir/zookeeper.pid"
}

# wait_ready <dir> <port>: until `srvr` reports a serving mode.
wait_ready() {
  local dir=$1 port=$2 deadline=$(( SECONDS + START_TIMEOUT )) answer
  while :; do
    # Only kill -0 here: right after the fork, /proc/<pid>/cmdline is not java's yet.
    if ! kill -0 "$(<"$dir/zookeeper.pid")" 2>/dev/null; then
      log "ZooKeeper in $dir exited before it was ready; last lines of $dir/zookeeper.log:"
      tail -n 20 "$dir/zookeeper.log" >&2 || true
      exit 1
    fi
    answer=$(four_letter "$port" srvr)
    if [[ "$answer" =~ Mode:\ (standalone|leader|follower) ]]; then
      log "127.0.0.1:$port is up (${BASH_REMATCH[0]})"
      return
    fi
    if (( SECONDS >= deadline )); then
      log "ZooKeeper on port $port did not answer within ${START_TIMEOUT}s; last lines of $dir/zookeeper.log:"
      tail -n 20 "$dir/zookeeper.log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
}

start_standalone() {
  (( $# == 2 )) || usage
  local port=$1 dir
  check_port_arg "$port"
  mkdir -p "$2"
  dir=$(cd "$2" && pwd)
  if pid_alive "$dir/zookeeper.pid"; then
    log "already running (pid $(<"$dir/zookeeper.pid")); stop it with: $SCRIPT stop $dir"
    cat "$dir/connect-string"
    return
  fi
  check_java
  classpath >/dev/null
  port_in_use "$port" && die "port $port is already in use; pick another port or stop what listens there"
  write_config "$dir" "$port"
  launch "$dir" org.apache.zookeeper.server.ZooKeeperServerMain
  wait_ready "$dir" "$port"
  echo "127.0.0.1:$port" | tee "$dir/connect-string"
}

start_ensemble() {
  (( $# == 2 )) || usage
  local base=$1 root i
  check_port_arg "$base"
  check_port_arg "$(( base + 2 ))"
  mkdir -p "$2"
  root=$(cd "$2" && pwd)
  for i in 1 2 3; do
    if pid_alive "$root/zk$i/zookeeper.pid"; then
      log "already running (zk$i pid $(<"$root/zk$i/zookeeper.pid")); stop it with: $SCRIPT stop $root"
      cat "$root/connect-string"
      return
    fi
  done
  check_java
  classpath >/dev/null
  for i in 0 1 2; do
    port_in_use "$(( base + i ))" && die "port $(( base + i )) is already in use; pick another base port"
  done
  local peers=() quorum
  read -r -a quorum <<<"$(free_ports 6)"
  (( ${#quorum[@]} == 6 )) || die "could not find free ports for the quorum and election channels"
  for i in 0 1 2; do
    peers+=("server.$(( i + 1 ))=127.0.0.1:${quorum[$i]}:${quorum[$(( i + 3 ))]}")
  done
  for i in 1 2 3; do
    mkdir -p "$root/zk$i/data"
    echo "$i" >"$root/zk$i/data/myid"
    write_config "$root/zk$i" "$(( base + i - 1 ))" "initLimit=20" "syncLimit=5" "${peers[@]}"
    launch "$root/zk$i" org.apache.zookeeper.server.quorum.QuorumPeerMain
  done
  for i in 1 2 3; do wait_ready "$root/zk$i" "$(( base + i - 1 ))"; done
  echo "127.0.0.1:$base,127.0.0.1:$(( base + 1 )),127.0.0.1:$(( base + 2 ))" | tee "$root/connect-string"
}

pid_files() {
  local dir=$1
  compgen -G "$dir/zookeeper.pid" || true
  compgen -G "$dir/zk*/zookeeper.pid" || true
}

status() {
  (( $# == 1 )) || usage
  local dir=$1 f found=0
  [[ -d "$dir" ]] || die "no such directory: $dir"
  while IFS= read -r f; do
    [[ -n "$f" ]] || continue
    found=1
    if pid_alive "$f"; then echo "$(dirname "$f"): running (pid $(<"$f"))"; else echo "$(dirname "$f"): not running"; fi
  done < <(pid_files "$dir")
  (( found )) || echo "$dir: no ZooKeeper started here"
  [[ -f "$dir/connect-string" ]] && echo "connect string: $(<"$dir/connect-string")"
  return 0
}

stop() {
  (( $# == 1 )) || usage
  local dir=$1 f pid stopped=0 i
  [[ -d "$dir" ]] || die "no such directory: $dir"
  while IFS= read -r f; do
    [[ -n "$f" ]] || continue
    if pid_alive "$f"; then
      pid=$(<"$f")
      log "stopping $(dirname "$f") (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      for (( i = 0; i < 50; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid did not stop within 10 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      stopped=$(( stopped + 1 ))
    fi
    rm -f "$f"
  done < <(pid_files "$dir")
  if (( stopped == 0 )); then log "no running ZooKeeper in $dir; nothing to stop"; else log "stopped $stopped server(s)"; fi
}

cmd=${1:-}
[[ -n "$cmd" ]] || usage
shift
case "$cmd" in
  start-standalone) start_standalone "$@" ;;
  start-ensemble) start_ensemble "$@" ;;
  status) status "$@" ;;
  stop) stop "$@" ;;
  -h|--help|help) usage ;;
  *) log "unknown command '$cmd'"; usage ;;
esac
