#!/usr/bin/env bash
# Runs the Java examples (examples/java) against Debian's Apache ActiveMQ 5.17 with its default
# broker behaviour (OpenWire on tcp://, scheduler support on, KahaDB), to check that what each
# program expects is what ActiveMQ does. The test suite runs the same programs against Wharf.
#
#   scripts/java-examples-vs-activemq.sh [Program ...]
#
# ActiveMQ runs from its own config and data directory under a temporary folder, as the
# `activemq` user, on a free loopback port; it is stopped at the end. Needs root (or the
# activemq package installed and permission to run as its user).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/activemq.sh
activemq_require
WORK=$(mktemp -d /tmp/wharf-java-vs-activemq-XXXXXX)
chmod 755 "$WORK"
AMQ_PID=""
cleanup() {
  stop_pids $AMQ_PID
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(free_port)
activemq_start "$WORK/activemq" "$PORT" 'brokerName="examples" schedulerSupport="true"' \
  "<transportConnectors><transportConnector name=\"openwire\" uri=\"tcp://127.0.0.1:$PORT\"/></transportConnectors>" \
  -Xms256M
echo "ActiveMQ $(dpkg-query -W -f='${Version}' activemq) on tcp://127.0.0.1:$PORT"
WHARF_JAVA_BUILD="$WORK/build" scripts/run-java-examples.sh "tcp://127.0.0.1:$PORT" "$@"
