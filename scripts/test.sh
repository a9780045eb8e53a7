#!/usr/bin/env bash
# Installs what is missing, then runs every test: the Rust workspace (SQLite and Postgres),
# then the Playwright suite against a freshly built server in simulation mode.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

report_disk
need_postgres
need_nats
need_wasm_target
need_cargo_leptos
need_chromium
need_npm_packages

if command -v psql >/dev/null; then
  step "dropping throwaway databases left by earlier runs (cf_test_*)"
  for db in $(psql "$TEST_DATABASE_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'cf_test_%'"); do
    psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  done
fi

step "removing throwaway SQLite files and data dirs that earlier runs left over an hour ago"
find "${TMPDIR:-/tmp}" -maxdepth 1 -mmin +60 \( -name 'cf-test-*' -o -name 'cf-api-*' -o -name 'cf-app-test-*' \
  -o -name 'cf-cli-*' -o -name 'cf-sigterm-*' -o -name 'cashflow-e2e.*' \) -exec rm -rf {} + 2>/dev/null || true

step "cargo fmt --check (rustfmt.toml)"
cargo fmt --all --check

step "cargo clippy (every target, server features; warnings are errors)"
cargo clippy --workspace --all-targets --features app/ssr --locked -- -D warnings

step "cargo test --workspace (Postgres: $TEST_DATABASE_URL, plus SQLite)"
cargo test --workspace --features app/ssr --locked

step "cargo leptos build (server + wasm, one build for the browser tests)"
cargo leptos build

SERVER_PID="" OTHER_PID=""
stop_servers() {
  for pid in $SERVER_PID $OTHER_PID; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  SERVER_PID="" OTHER_PID=""
}
trap stop_servers EXIT

# start_server PORT DATABASE_URL DIR [ENV=VALUE...]: the debug server in simulation mode;
# sets STARTED_PID.
start_server() {
  local port="$1" database_url="$2" dir="$3"; shift 3
  env -u PLAID_CLIENT_ID -u PLAID_SECRET -u ENCRYPTION_KEYS -u SIMULATION -u EVENTS_NATS_URL \
    DATABASE_URL="$database_url" DATA_DIR="$dir" \
    SIGN_IN_RATE_PER_MINUTE=1000 LINK_TOKENS_PER_MINUTE=100000 \
    LISTEN_ADDR="127.0.0.1:$port" PUBLIC_URL="http://127.0.0.1:$port" \
    LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site" LEPTOS_OUTPUT_NAME=cashflow LEPTOS_HASH_FILES=true \
    "$@" "$CARGO_TARGET_DIR/debug/app" > "$dir/server-$port.log" 2>&1 &
  STARTED_PID=$!
  for _ in $(seq 150); do curl -fs "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && return 0; sleep 0.1; done
  echo "the server on port $port did not become ready; its log:" >&2
  cat "$dir/server-$port.log" >&2
  exit 1
}

# The Playwright suite against a fresh server in simulation mode on one database backend:
# SQLite (the embedded default) or Postgres (production). Prints "N passed, M failed".
run_e2e() {
  local backend="$1" port="$2" dir database_url name=""
  dir="$(mktemp -d -t cashflow-e2e.XXXXXX)"
  case "$backend" in
    sqlite) database_url="sqlite://$dir/cashflow.db" ;;
    postgres)
      command -v psql >/dev/null || { echo "psql is needed to create the Postgres database for the browser tests" >&2; exit 1; }
      name="cf_test_e2e_${RANDOM}${RANDOM}"
      psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $name" >/dev/null
      database_url="${TEST_DATABASE_URL%/*}/$name"
      ;;
  esac
  step "playwright on $backend (Debian chromium): server on 127.0.0.1:$port, data in $dir"
  # Every browser of the suite signs in from 127.0.0.1: lift the per-address sign-in limit.
  local events=() playwright_env=()
  if [ "$backend" = postgres ]; then
    # Two instances on one database, both relaying to a stream of this run's own; the
    # two-instance spec pages instance B and reads the stream with `app events tail`.
    local tag="e2e${RANDOM}${RANDOM}"
    events=(EVENTS_NATS_URL="$EVENTS_NATS_URL" EVENTS_STREAM="${tag^^}" EVENTS_SUBJECT_PREFIX="$tag")
    start_server "$(( port + 10 ))" "$database_url" "$dir" "${events[@]}"
    OTHER_PID=$STARTED_PID
    playwright_env=(OTHER_INSTANCE_URL="http://127.0.0.1:$(( port + 10 ))" APP_BIN="$CARGO_TARGET_DIR/debug/app" "${events[@]}")
  fi
  start_server "$port" "$database_url" "$dir" "${events[@]}"
  SERVER_PID=$STARTED_PID
  set +e
  (cd "$ROOT/e2e" && env BASE_URL="http://127.0.0.1:$port" "${playwright_env[@]}" npx playwright test)
  local status=$?
  set -e
  node -e '
    const r = require(process.argv[1]);
    const s = r.stats || {};
    console.log(`${process.argv[2]}: ${s.expected || 0} passed, ${(s.unexpected || 0) + (s.flaky || 0)} failed`);
  ' "$ROOT/e2e/.artifacts/results.json" "$backend" || true
  stop_servers
  if [ "$status" -ne 0 ]; then
    echo "Browser tests on $backend failed; server logs follow ($dir/server-*.log):" >&2
    tail -n 80 "$dir"/server-*.log >&2
    exit "$status"
  fi
  rm -rf "$dir"
  if [ -n "$name" ]; then psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null; fi
}

# schemathesis against the OpenAPI document, on a fresh server in simulation mode whose event
# streams end after 1 s idle (a request that never ends would count as a timeout).
run_schemathesis() {
  local port="$1" dir
  dir="$(mktemp -d -t cashflow-e2e.XXXXXX)"
  step "schemathesis: server on 127.0.0.1:$port, data in $dir"
  start_server "$port" "sqlite://$dir/cashflow.db" "$dir" \
    SIGN_IN_RATE_PER_MINUTE=100000 WEBHOOK_RATE_PER_MINUTE=100000 EVENT_STREAM_IDLE_SECS=1
  SERVER_PID=$STARTED_PID
  set +e
  "$ROOT/scripts/schemathesis.sh" "http://127.0.0.1:$port"
  local status=$?
  set -e
  stop_servers
  if [ "$status" -ne 0 ]; then
    echo "schemathesis found failures; server log follows ($dir/server-$port.log):" >&2
    tail -n 40 "$dir/server-$port.log" >&2
    exit "$status"
  fi
  rm -rf "$dir"
}

run_e2e sqlite "${E2E_PORT:-3100}"
run_e2e postgres "$(( ${E2E_PORT:-3100} + 1 ))"
run_schemathesis "$(( ${E2E_PORT:-3100} + 2 ))"
step "all tests passed"
