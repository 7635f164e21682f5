#!/usr/bin/env bash
# Runs `tracewalk fit` N times (default 100) on a file it reads in two halves (FILE, >= 256 MiB of Event
# v1 lines; made with `generate` when not given), each under a 30 s timeout, and counts the runs that
# did not exit (timeout's 124: a worker that never ends, as in the worker-exit deadlock of
# nodejs/node#54918, see bench/README.md) and those that failed or were not read in two halves.
#   bash bench/fit-exits.sh            N=300 FILE=events.jsonl bash bench/fit-exits.sh
set -u
M=${M:-$(dirname "$0")/../dist/cli/main.js}; N=${N:-100}; hangs=0; fails=0; ones=0
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
FILE=${FILE:-$out/events.jsonl}
[ -f "$FILE" ] || node $M generate --workflow ecommerce --users 36000 --seed 1 --out "$FILE" --no-progress >/dev/null 2>&1
for i in $(seq 1 $N); do
  case $((i % 3)) in
    0) args="--json";;
    1) args="--json --strict";;
    2) args="--json --gap 5m";;
  esac
  timeout 30 ${NODE:-node} $M fit --input "$FILE" --out $out/w.yaml $args >$out/report.json 2>$out/err; rc=$?
  if [ $rc = 124 ]; then hangs=$((hangs+1)); echo "HANG run $i: $args"
  elif [ $rc != 0 ]; then fails=$((fails+1)); echo "FAIL $rc run $i: $args"; cat $out/err
  elif ! grep -q '"reading":{"threads":2}' $out/report.json; then ones=$((ones+1)); echo "ONE THREAD run $i: $args"; fi
done
echo "runs $N hangs $hangs fails $fails one-thread $ones"
