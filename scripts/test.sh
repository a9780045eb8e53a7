#!/usr/bin/env bash
# Installs what is missing, then runs every test: the Rust workspace (SQLite and Postgres),
# then the Playwright suite against a freshly built server in simulation mode.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

report_disk
need_postgres
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

SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }' EXIT

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
  env -u PLAID_CLIENT_ID -u PLAID_SECRET -u ENCRYPTION_KEYS -u SIMULATION \
    DATABASE_URL="$database_url" DATA_DIR="$dir" \
    SIGN_IN_RATE_PER_MINUTE=1000 \
    LISTEN_ADDR="127.0.0.1:$port" PUBLIC_URL="http://127.0.0.1:$port" \
    LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site" LEPTOS_OUTPUT_NAME=cashflow LEPTOS_HASH_FILES=true \
    "$CARGO_TARGET_DIR/debug/app" > "$dir/server.log" 2>&1 &
  SERVER_PID=$!
  set +e
  (cd "$ROOT/e2e" && BASE_URL="http://127.0.0.1:$port" npx playwright test)
  local status=$?
  set -e
  node -e '
    const r = require(process.argv[1]);
    const s = r.stats || {};
    console.log(`${process.argv[2]}: ${s.expected || 0} passed, ${(s.unexpected || 0) + (s.flaky || 0)} failed`);
  ' "$ROOT/e2e/.artifacts/results.json" "$backend" || true
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  if [ "$status" -ne 0 ]; then
    echo "Browser tests on $backend failed; server log follows ($dir/server.log):" >&2
    tail -n 80 "$dir/server.log" >&2
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
  env -u PLAID_CLIENT_ID -u PLAID_SECRET -u ENCRYPTION_KEYS -u SIMULATION \
    DATABASE_URL="sqlite://$dir/cashflow.db" DATA_DIR="$dir" \
    SIGN_IN_RATE_PER_MINUTE=100000 WEBHOOK_RATE_PER_MINUTE=100000 EVENT_STREAM_IDLE_SECS=1 \
    LISTEN_ADDR="127.0.0.1:$port" PUBLIC_URL="http://127.0.0.1:$port" \
    LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site" LEPTOS_OUTPUT_NAME=cashflow LEPTOS_HASH_FILES=true \
    "$CARGO_TARGET_DIR/debug/app" > "$dir/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break; sleep 0.1; done
  set +e
  "$ROOT/scripts/schemathesis.sh" "http://127.0.0.1:$port"
  local status=$?
  set -e
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  if [ "$status" -ne 0 ]; then
    echo "schemathesis found failures; server log follows ($dir/server.log):" >&2
    tail -n 40 "$dir/server.log" >&2
    exit "$status"
  fi
  rm -rf "$dir"
}

run_e2e sqlite "${E2E_PORT:-3100}"
run_e2e postgres "$(( ${E2E_PORT:-3100} + 1 ))"
run_schemathesis "$(( ${E2E_PORT:-3100} + 2 ))"
step "all tests passed"
