#!/usr/bin/env bash
# Compiles the Java examples (examples/java/src, ActiveMQ's client jar from Debian) and runs each
# program against a broker URL. Each program checks what it observes and exits non-zero on the
# first difference, so the same run against ActiveMQ 5.17 (scripts/java-examples-vs-activemq.sh)
# shows the expectations are ActiveMQ's, and against Wharf that Wharf meets them.
#
#   scripts/run-java-examples.sh [broker-url] [Program ...]
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${1:-tcp://localhost:61616}
shift || true
CP=$(scripts/java-classpath.sh)
BUILD=${WHARF_JAVA_BUILD:-examples/java/build}
mkdir -p "$BUILD"
javac -nowarn -encoding UTF-8 -cp "$CP" -d "$BUILD" examples/java/src/*.java
if [ $# -gt 0 ]; then PROGRAMS=("$@"); else
  mapfile -t PROGRAMS < <(sed -n 's/^\([A-Za-z0-9]*\)\s.*/\1/p' examples/java/PROGRAMS)
fi
fail=0
for p in "${PROGRAMS[@]}"; do
  echo "== $p $URL"
  if ! java -cp "$BUILD:$CP" "$p" "$URL"; then
    echo "FAIL $p" >&2
    fail=1
  fi
done
exit $fail
