#!/usr/bin/env bash
# Installs what the test suite needs from Debian's packages when it is missing:
# ZooKeeper (cluster tests), Chromium (console browser test), docker-compose (validates
# docker-compose.yml with `config`; no Docker engine runs here), and ActiveMQ 5.17's Java client
# jars with a JDK (the OpenWire tests compile and run Java programs; `activemq` is the broker the
# Java examples' expectations were checked against), and python3 (the STOMP program of
# docs/GETTING-STARTED.md), and slapd (the LDAP login tests start a private one on a free
# loopback port with its own configuration: the system's service is never used). Needs root for
# apt-get.
set -euo pipefail
need=()
[ -f /usr/share/java/zookeeper.jar ] || need+=(zookeeper)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
[ -f /usr/share/java/activemq-client.jar ] || need+=(libactivemq-java)
[ -f /usr/share/java/geronimo-jms_1.1_spec.jar ] || need+=(libgeronimo-jms-1.1-spec-java)
[ -f /usr/share/java/slf4j-nop.jar ] || need+=(libslf4j-java)
[ -d /usr/share/activemq ] || need+=(activemq)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v python3 >/dev/null 2>&1 || need+=(python3)
[ -x /usr/sbin/slapd ] || need+=(slapd)
if [ ${#need[@]} -eq 0 ]; then
  echo "test dependencies present (zookeeper, chromium, jdk, activemq client jars, docker-compose, python3, slapd)"
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
