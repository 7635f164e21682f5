#!/usr/bin/env bash
# Resolves the jars of a single-node Kafka broker (KRaft) from Maven Central into a cache dir.
# Idempotent: does nothing when the jars are already there. Usage: fetch.sh [LIBS_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
libs="${1:-${KAFKA_LIBS_DIR:-$repo/.cache/kafka/libs}}"
stamp="$libs/.complete"

if [ -f "$stamp" ] && cmp -s "$stamp" "$here/pom.xml"; then
  exit 0
fi

command -v mvn >/dev/null || { echo "fetch.sh: mvn not found (apt-get install maven)" >&2; exit 1; }
command -v java >/dev/null || { echo "fetch.sh: java not found (a JRE 17+ is needed)" >&2; exit 1; }

# Resolve into a temporary dir and move it in place, so an interrupted fetch never looks complete.
tmp="$libs.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
mkdir -p "$(dirname "$libs")"
mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
  -DoutputDirectory="$tmp" -DincludeScope=runtime
cp "$here/pom.xml" "$tmp/.complete"
rm -rf "$libs"
mv "$tmp" "$libs"
echo "fetch.sh: kafka jars in $libs ($(ls "$libs" | wc -l) files)"
