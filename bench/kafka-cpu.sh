#!/usr/bin/env bash
# bench/kafka-cpu.sh: CPU seconds (user+sys) per record of `tracewalk run --speed max` into Kafka and of
# Kafka's ProducerPerformance, on a broker you give. On a shared machine the wall-clock rates of
# bench/kafka swing 3x from round to round; the CPU a record costs moves far less, and a side that needs
# more CPU per record than Java cannot match it on saturated cores, whatever its threads.
# Usage: KAFKA_BROKERS=127.0.0.1:9092 bench/kafka-cpu.sh [tree] [client] [java]
#   tree: a checkout with dist/ built (default: this one); client: platformatic|kafkajs;
#   java: also run ProducerPerformance (500,000 records of 369 B, acks=all, 3 partitions).
# Needs GNU time (/usr/bin/time). Prints one line per side: records, wall s, user s, sys s, µs CPU/record.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
tree="${1:-$here}"
client="${2:-platformatic}"
brokers="${KAFKA_BROKERS:?set KAFKA_BROKERS}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
topic="tw-cpu-$RANDOM$RANDOM"
cat >"$tmp/config.json" <<JSON
{"load":{"arrival_rate":50},"metrics":{"enabled":false},"log":{"level":"info","pretty":false},
 "sinks":[{"type":"kafka","client":"$client","brokers":["$brokers"],"topic":"$topic",
 "create_topic":{"partitions":3},"acks":"all","idempotent":true,"batch_size":2000}]}
JSON
report() { awk -v n="$2" -v who="$1" '/^TIME/ { printf "%-34s %9d records  wall %6.2f s  user %5.2f s  sys %5.2f s  %5.1f us CPU/record\n", who, n, $2, $3, $4, ($3 + $4) * 1e6 / n }'; }
(cd "$tree" && /usr/bin/time -f "TIME %e %U %S" -o "$tmp/time" node dist/cli/main.js run --speed max \
  --duration 15m --config "$tmp/config.json" --log-level info >"$tmp/out" 2>&1)
events="$(grep '"run finished' "$tmp/out" | grep -o '"events":[0-9]*' | head -1 | cut -d: -f2)"
report "run, $client ($(basename "$tree"))" "$events" <"$tmp/time"
if [ "${3:-}" = "java" ]; then
  libs="$here/.cache/kafka/libs/*"
  log="-Dlog4j2.configurationFile=$here/scripts/kafka/log4j2.properties"
  java -cp "$libs" "$log" -Dkafka.logs.dir="$tmp" org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --create \
    --topic "$topic-java" --partitions 3 >/dev/null 2>&1
  /usr/bin/time -f "TIME %e %U %S" -o "$tmp/time" java -Xmx1g -cp "$libs" "$log" -Dkafka.logs.dir="$tmp" \
    org.apache.kafka.tools.ProducerPerformance --topic "$topic-java" --num-records 500000 --record-size 369 \
    --throughput -1 --producer-props bootstrap.servers="$brokers" acks=all >/dev/null 2>&1
  report "java ProducerPerformance" 500000 <"$tmp/time"
fi
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
