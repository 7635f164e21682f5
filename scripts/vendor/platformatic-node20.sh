#!/usr/bin/env bash
# Rebuilds vendor/*.tgz: two helper packages of @platformatic/kafka whose every published version says
# `engines: node >= 22.19.0`, while @platformatic/kafka itself (and tracewalk) support Node >= 20.19.4,
# where they run unchanged (CI runs the Kafka tests on Node 20 and 24). The copies differ from the
# registry's only in that `engines` field, so that `npm install` on Node 20 warns about nothing.
# package.json's `overrides` points at them. Usage: bash scripts/vendor/platformatic-node20.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$repo/vendor"
for spec in @platformatic/dynamic-buffer@0.3.1 @platformatic/wasm-utils@0.2.1; do
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
done
for tgz in "$tmp"/*.tgz; do
  dir="$tmp/$(basename "$tgz" .tgz)"
  mkdir -p "$dir" && tar -xzf "$tgz" -C "$dir"
  node -e '
    const f = process.argv[1], j = JSON.parse(require("fs").readFileSync(f, "utf8"));
    j.engines = { node: ">= 20.19.4" };
    require("fs").writeFileSync(f, JSON.stringify(j, null, 2) + "\n");
  ' "$dir/package/package.json"
  (cd "$dir/package" && npm pack --silent --pack-destination "$repo/vendor" >/dev/null)
done
ls -l "$repo/vendor"
