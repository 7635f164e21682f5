#!/usr/bin/env bash
# Runs `tracewalk generate` N times (default 100) in four shapes, each under a 30 s timeout, and counts
# the runs that did not exit (timeout's 124: the worker-exit deadlock of nodejs/node#54918, see
# bench/README.md) and those that failed. M: the CLI to run (default: this checkout's dist/cli/main.js).
#   bash bench/generate-exits.sh            N=300 bash bench/generate-exits.sh
set -u
M=${M:-$(dirname "$0")/../dist/cli/main.js}; N=${N:-100}; hangs=0; fails=0
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
for i in $(seq 1 $N); do
  case $((i % 4)) in
    0) args="--users 3000 --seed $i --out $out/x.jsonl";;
    1) args="--users 500 --seed $i --shard 1/3 --out $out/x.jsonl";;
    2) args="--workflow microservices --users 800 --cascade-rate 0.2 --seed $i --out $out/x.jsonl";;
    3) args="--users 1500 --seed $i --out -";;
  esac
  timeout 30 node $M generate $args --no-progress >/dev/null 2>$out/err; rc=$?
  if [ $rc = 124 ]; then hangs=$((hangs+1)); echo "HANG run $i: $args"; elif [ $rc != 0 ]; then fails=$((fails+1)); echo "FAIL $rc run $i: $args"; cat $out/err; fi
done
echo "runs $N hangs $hangs fails $fails"
