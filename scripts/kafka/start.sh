#!/usr/bin/env bash
# Runs a single-node Kafka (KRaft, broker+controller) from the Maven Central jars, in the foreground.
# Used by test/helpers/kafka.ts and by hand: `bash scripts/kafka/start.sh` (Ctrl-C stops it).
#
# Environment:
#   KAFKA_DATA_DIR         data, config and server.log   (default $REPO/.cache/kafka/data)
#   KAFKA_PORT             PLAINTEXT listener port       (default 9092)
#   KAFKA_CONTROLLER_PORT  CONTROLLER listener port      (default 9093)
#   KAFKA_LIBS_DIR         jars (fetched if missing)     (default $REPO/.cache/kafka/libs)
#   KAFKA_HEAP_OPTS        JVM heap                      (default -Xms256m -Xmx1g)
#   KAFKA_WATCH_STDIN=1    kill the broker when stdin closes, so it never outlives its owner
#   KAFKA_EXTRA_PROPERTIES server properties appended to the generated ones (a later key wins), e.g. a
#                          SASL listener and an authorizer for tests; used when the data dir is formatted
#
# The data dir is formatted once; a second start on it (e.g. after kill -9) reuses the data and ports.
# Prints "kafka-pid <pid>" on stdout once the JVM is launched.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
libs="${KAFKA_LIBS_DIR:-$repo/.cache/kafka/libs}"
data="${KAFKA_DATA_DIR:-$repo/.cache/kafka/data}"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-9093}"
heap="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"

bash "$here/fetch.sh" "$libs"
mkdir -p "$data"
props="$data/server.properties"

if [ ! -f "$data/logs/meta.properties" ]; then
  cat >"$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data/logs
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
  if [ -n "${KAFKA_EXTRA_PROPERTIES:-}" ]; then printf '%s\n' "$KAFKA_EXTRA_PROPERTIES" >>"$props"; fi
  # A cluster id is 16 random bytes, base64url without padding (what `kafka-storage random-uuid` prints).
  # It may start with '-', so it is passed as --cluster-id=ID, never as a separate argument.
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  java -cp "$libs/*" -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.logs.dir="$data" \
    kafka.tools.StorageTool format --cluster-id="$cluster_id" -c "$props" --standalone >"$data/format.log" 2>&1 ||
    { cat "$data/format.log" >&2; exit 1; }
fi

# shellcheck disable=SC2086
java $heap -XX:+UseG1GC -Djava.awt.headless=true \
  -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.logs.dir="$data" \
  -cp "$libs/*" kafka.Kafka "$props" >>"$data/stdout.log" 2>&1 &
jpid=$!
echo "kafka-pid $jpid"
trap 'kill -TERM "$jpid" 2>/dev/null || true' INT TERM

if [ "${KAFKA_WATCH_STDIN:-}" = 1 ]; then
  # The owner holds our stdin open; when it goes away (even by SIGKILL), the broker goes too.
  exec 3<&0
  (
    while read -r _ <&3; do :; done
    kill -KILL "$jpid" 2>/dev/null || true
  ) &
fi

status=0
wait "$jpid" || status=$?
# `wait` returns early when a trapped signal arrives; wait again for the JVM's own shutdown.
while kill -0 "$jpid" 2>/dev/null; do wait "$jpid" || status=$?; done
exit "$status"
