#!/usr/bin/env bash
# Prints the classpath for Java programs on ActiveMQ 5.17's own client (Debian's libactivemq-java
# and its dependencies; scripts/setup-test-deps.sh installs them). The OpenWire tests and
# scripts/run-java-examples.sh use it. Exits 1, naming what is missing, when a jar is absent.
set -euo pipefail
LIB=${WHARF_JAVA_LIB:-/usr/share/java}
JARS="activemq-client.jar geronimo-jms_1.1_spec.jar geronimo-j2ee-management-1.1-spec.jar hawtbuf.jar slf4j-api.jar slf4j-nop.jar"
cp=""
for j in $JARS; do
  if [ ! -f "$LIB/$j" ]; then
    echo "missing $LIB/$j: run scripts/setup-test-deps.sh (Debian: libactivemq-java)" >&2
    exit 1
  fi
  cp="${cp:+$cp:}$LIB/$j"
done
echo "$cp"
