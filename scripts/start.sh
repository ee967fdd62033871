#!/usr/bin/env bash
# npm start [-- --demo]: every BackTrac service as a plain process on this machine, with the same
# variable names as docker-compose.yml. Reads .env when present; otherwise uses local Postgres and
# Redis and keeps generated secrets under var/. --demo also runs a Samba share with sample files
# and registers it as client "demo", so there is something to back up at once.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
demo=0
for arg in "$@"; do
  case "$arg" in
    --demo) demo=1 ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# //'; exit 0 ;;
    *) echo "npm start: unknown option $arg (try --demo)" >&2; exit 2 ;;
  esac
done

source scripts/use-node24.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
[ -f frontend/dist/browser/index.html ] || npm run --silent build:frontend

mkdir -p var
if [ -f .env ]; then set -a; source .env; set +a; fi
secret() { # a value generated once and kept in var/<name>
  [ -s "var/$1" ] || (umask 077 && node -e "process.stdout.write(require('crypto').randomBytes($2).toString('$3'))" > "var/$1")
  cat "var/$1"
}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/backtrac}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export STORE_ROOT=${STORE_ROOT:-$root/var/store}
export SECRET_KEY=${SECRET_KEY:-$(secret secret-key 32 hex)}
export ADMIN_EMAIL=${ADMIN_EMAIL:-admin@backtrac.local}
export ADMIN_PASSWORD=${ADMIN_PASSWORD:-$(secret admin-password 12 base64url)}
export API_PORT=${API_PORT:-8080} SCHEDULER_PORT=${SCHEDULER_PORT:-8081} COPY_WORKER_PORT=${COPY_WORKER_PORT:-8082}
export GATEWAY_PORT=${GATEWAY_PORT:-8083} GATEWAY_RPC_PORT=${GATEWAY_RPC_PORT:-9090}
export CONSOLE_DIR=${CONSOLE_DIR:-$root/frontend/dist/browser}
# npm start serves the console over plain HTTP, where a Secure cookie would never come back.
export COOKIE_SECURE=${COOKIE_SECURE:-false}
mkdir -p "$STORE_ROOT"
node scripts/ensure-database.mjs "$DATABASE_URL"

pids=()
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
}
trap stop INT TERM EXIT

run() { # name entry...: runs a process, each output line prefixed with its name
  local name=$1; shift
  "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=($!)
}
wait_ready() { # name port
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$2/readyz" >/dev/null 2>&1 && { echo "[start] $1 ready on port $2"; return 0; }
    sleep 0.5
  done
  echo "[start] $1 did not become ready on port $2" >&2
  return 1
}

# The api applies catalog migrations, so it goes first.
run api node services/api/dist/main.js
wait_ready api "$API_PORT"
run scheduler node services/scheduler/dist/main.js
run copy-worker node services/copy-worker/dist/main.js
run agent-gateway node services/agent-gateway/dist/main.js
wait_ready scheduler "$SCHEDULER_PORT"
wait_ready copy-worker "$COPY_WORKER_PORT"
wait_ready agent-gateway "$GATEWAY_PORT"

if [ $demo -eq 1 ]; then
  rm -f var/demo-share.json
  run demo-share node scripts/demo-share.ts var/demo-share.json
  for _ in $(seq 1 120); do [ -s var/demo-share.json ] && break; sleep 0.5; done
  [ -s var/demo-share.json ] || { echo "[start] the demo share did not start" >&2; exit 1; }
  node scripts/register-demo.mjs "http://127.0.0.1:$API_PORT" var/demo-share.json | sed 's/^/[start] /'
fi

cat <<MSG
[start] BackTrac is running: console http://127.0.0.1:$API_PORT  (log in as $ADMIN_EMAIL / $ADMIN_PASSWORD)
[start] agents enrol at http://<this-host>:$GATEWAY_RPC_PORT/RPC2; Ctrl-C stops everything
MSG
wait -n "${pids[@]}"
