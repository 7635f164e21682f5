#!/usr/bin/env bash
# Builds the Toxiproxy server (Shopify/toxiproxy v2.12.0) into a cache dir with Go, once, and prints
# its path. Idempotent: does nothing but print the path when the binary is already there.
# Usage: build.sh [BIN_DIR]   (default: <repo>/.cache/toxiproxy, or $TOXIPROXY_BIN_DIR)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="${1:-${TOXIPROXY_BIN_DIR:-$repo/.cache/toxiproxy}}"
version="v2.12.0"
stamp="$bin/.version"

if [ -x "$bin/server" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
  echo "$bin/server"
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: go not found (a Go toolchain >= 1.22 is needed)" >&2; exit 1; }

# Build into a temporary dir and move it in place, so an interrupted build never looks complete.
tmp="$bin.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
mkdir -p "$tmp"
GOBIN="$tmp" go install "github.com/Shopify/toxiproxy/v2/cmd/server@$version" >&2
echo "$version" >"$tmp/.version"
rm -rf "$bin"
mkdir -p "$(dirname "$bin")"
mv "$tmp" "$bin"
echo "$bin/server"
