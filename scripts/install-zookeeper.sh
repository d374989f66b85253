#!/usr/bin/env bash
# Installs ZooKeeper from Debian's `zookeeper` package (3.8 on Debian 12) unless it is already
# there. Idempotent. Tests and scripts/zookeeper.sh run its jar: /usr/share/java/zookeeper.jar.
# Not on Debian/Ubuntu? Install ZooKeeper 3.6+ yourself and set WHARF_ZOOKEEPER_CLASSPATH to
# its server classpath (e.g. "/opt/zookeeper/lib/*").
set -euo pipefail

JAR=/usr/share/java/zookeeper.jar
log() { echo "install-zookeeper: $*" >&2; }

if [[ -f "$JAR" ]]; then
  version=$(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null || dpkg-query -W -f='${Version}' libzookeeper-java 2>/dev/null || echo unknown)
  log "ZooKeeper is already installed ($JAR, package version $version); nothing to do."
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  log "error: $JAR is missing and apt-get is not available (not Debian/Ubuntu)."
  log "Install ZooKeeper 3.6+ and set WHARF_ZOOKEEPER_CLASSPATH to its server classpath."
  exit 1
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    log "error: installing packages needs root; run this script as root (or install sudo)."
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive

# Refresh the package lists only when apt does not know the package yet (fresh containers).
candidate=$(apt-cache policy zookeeper 2>/dev/null | awk '/Candidate:/ {print $2}')
if [[ -z "$candidate" || "$candidate" == "(none)" ]]; then
  log "package lists do not know 'zookeeper': running apt-get update"
  "${SUDO[@]}" apt-get update
fi

log "installing Debian package 'zookeeper' (brings a Java runtime if there is none)"
"${SUDO[@]}" apt-get install -y zookeeper

if [[ ! -f "$JAR" ]]; then
  log "error: the package installed but $JAR is still missing; check 'dpkg -L libzookeeper-java'."
  exit 1
fi
if ! command -v java >/dev/null 2>&1; then
  log "error: java is not on PATH; install a Java runtime (apt-get install default-jre-headless)."
  exit 1
fi
log "done: $JAR ($(dpkg-query -W -f='${Version}' zookeeper))"
