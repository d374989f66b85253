#!/usr/bin/env bash
# Installs what the test suite needs from Debian's packages when it is missing:
# ZooKeeper (cluster tests), Chromium (console browser test) and docker-compose (validates
# docker-compose.yml with `config`; no Docker engine runs here) and python3 (the STOMP program of
# docs/GETTING-STARTED.md). Needs root for apt-get.
set -euo pipefail
need=()
[ -f /usr/share/java/zookeeper.jar ] || need+=(zookeeper)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ${#need[@]} -eq 0 ]; then
  echo "test dependencies present (zookeeper, chromium, java, docker-compose, python3)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${need[*]} — run as root or: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "installed: ${need[*]}"
