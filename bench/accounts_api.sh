#!/usr/bin/env bash
# `GET /api/v1/banking/accounts` under load, against its ceiling run alongside (issue 11,
# point 3): the release server in simulation mode on Postgres with N users, each signed in
# with a linked simulated bank, loaded by wrk with the users' cookies in turn; then
# app/examples/accounts_ceiling.rs, a bare axum handler doing the same per-user reads with no
# session, on the same database. Prints both throughputs, p99s and the ratios.
# Needs Postgres at TEST_DATABASE_URL and wrk (apt-get install wrk). APP_BIN=path runs another
# build of the server (with its hash.txt beside it), e.g. an older commit's, against the same
# ceiling: how changes on the request path are compared, alternating runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
USERS="${USERS:-200}" CONNECTIONS="${CONNECTIONS:-64}" DURATION="${DURATION:-15s}"
ADMIN_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
command -v wrk > /dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

echo "==> building the release server and the ceiling"
cargo build --release -p app --features ssr --bin app --example accounts_ceiling
APP_BIN="${APP_BIN:-$CARGO_TARGET_DIR/release/app}"

name="cf_bench_accounts_$RANDOM$RANDOM"
psql "$ADMIN_URL" -qc "CREATE DATABASE $name"
DB="${ADMIN_URL%/*}/$name"
work="$(mktemp -d -t cf-bench-accounts.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" > /dev/null 2>&1 || true
}
trap cleanup EXIT

echo "==> $USERS users"
for i in $(seq 0 $((USERS - 1))); do
  NEW_USER_PASSWORD=bench-password-123 DATABASE_URL="$DB" "$APP_BIN" create-user --username "bench$i" --role trader > /dev/null
done

wait_ready() {
  for _ in $(seq 200); do curl -fs "$1" > /dev/null 2>&1 && return 0; sleep 0.1; done
  echo "not ready: $1" >&2; exit 1
}

echo "==> the server (simulation mode, Postgres), each user signed in with a linked bank"
env -u PLAID_CLIENT_ID -u SIMULATION DATABASE_URL="$DB" DATA_DIR="$work" LISTEN_ADDR=127.0.0.1:3201 \
  PUBLIC_URL=http://127.0.0.1:3201 LEPTOS_OUTPUT_NAME=cashflow LEPTOS_HASH_FILES=true LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site" \
  SIGN_IN_RATE_PER_MINUTE=1000000 RUST_LOG=error "$APP_BIN" > "$work/server.log" 2>&1 &
PIDS+=($!)
wait_ready http://127.0.0.1:3201/readyz
python3 bench/accounts_setup.py http://127.0.0.1:3201 "$USERS" "$work/cookies" "$work/paths" "$DB"
sleep 15 # the first syncs and their webhooks settle

echo "==> the ceiling: a bare handler doing the same reads"
DATABASE_URL="$DB" LISTEN_ADDR=127.0.0.1:3202 "$CARGO_TARGET_DIR/release/examples/accounts_ceiling" > "$work/ceiling.log" 2>&1 &
PIDS+=($!)
wait_ready "http://127.0.0.1:3202/accounts/1"

load() { wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s bench/accounts_api.lua "$1" | sed -n 's/^RESULT //p'; }
echo "==> load: $CONNECTIONS connections for $DURATION each"
api="$(COOKIES_FILE="$work/cookies" load http://127.0.0.1:3201/api/v1/banking/accounts)"
ceiling="$(PATHS_FILE="$work/paths" load http://127.0.0.1:3202/accounts/1)"
echo "accounts API: $api"
echo "ceiling:      $ceiling"
python3 - "$api" "$ceiling" <<'PY'
import sys
def parse(line):
    return dict(kv.split("=") for kv in line.split())
api, ceiling = parse(sys.argv[1]), parse(sys.argv[2])
print(f"throughput ratio (API / ceiling): {float(api['rps']) / float(ceiling['rps']):.2f}x (target >= 0.5x)")
print(f"p99 ratio (API / ceiling): {float(api['p99_ms']) / float(ceiling['p99_ms']):.2f}x (target <= 2x)")
if int(api["errors"]) or int(ceiling["errors"]):
    print(f"errors: API {api['errors']}, ceiling {ceiling['errors']}")
PY
