#!/usr/bin/env bash
# The release bundle (scripts/release.sh, run first if dist/ is missing) on a throttled network:
# see bench/slow_network.js. Needs Debian's chromium and the e2e npm packages (scripts/test.sh
# installs both).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -x dist/cashflow/app ] || scripts/release.sh
dir="$(mktemp -d -t cf-bench-3g.XXXXXX)"
port=3211
# exec: $! is the server itself, so the trap stops it (not just the subshell).
(cd dist/cashflow && exec env -u PLAID_CLIENT_ID -u SIMULATION DATABASE_URL="sqlite://$dir/db.sqlite" DATA_DIR="$dir" \
  LISTEN_ADDR="127.0.0.1:$port" PUBLIC_URL="http://127.0.0.1:$port" RUST_LOG=error ./app > "$dir/server.log" 2>&1) &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break; sleep 0.1; done
BASE_URL="http://127.0.0.1:$port" NODE_PATH="$ROOT/e2e/node_modules" node bench/slow_network.js
