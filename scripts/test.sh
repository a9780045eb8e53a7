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

step "cargo test --workspace (Postgres: $TEST_DATABASE_URL, plus SQLite)"
cargo test --workspace --features app/ssr --locked

step "cargo leptos build (server + wasm, one build for the browser tests)"
cargo leptos build

PORT="${E2E_PORT:-3100}"
E2E_DIR="$(mktemp -d -t cashflow-e2e.XXXXXX)"
step "starting the server in simulation mode on 127.0.0.1:$PORT (data in $E2E_DIR)"
env -u PLAID_CLIENT_ID -u PLAID_SECRET -u ENCRYPTION_KEYS \
  DATABASE_URL="sqlite://$E2E_DIR/cashflow.db" DATA_DIR="$E2E_DIR" \
  LISTEN_ADDR="127.0.0.1:$PORT" PUBLIC_URL="http://127.0.0.1:$PORT" \
  LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site" LEPTOS_OUTPUT_NAME=cashflow \
  "$CARGO_TARGET_DIR/debug/app" > "$E2E_DIR/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true; wait $SERVER_PID 2>/dev/null || true' EXIT

step "playwright (Debian chromium)"
set +e
(cd "$ROOT/e2e" && BASE_URL="http://127.0.0.1:$PORT" npx playwright test)
E2E_STATUS=$?
set -e
node -e '
  const r = require(process.argv[1]);
  const s = r.stats || {};
  console.log(`${s.expected || 0} passed, ${(s.unexpected || 0) + (s.flaky || 0)} failed`);
' "$ROOT/e2e/.artifacts/results.json" || true
if [ "$E2E_STATUS" -ne 0 ]; then
  echo "Browser tests failed; server log follows ($E2E_DIR/server.log):" >&2
  tail -n 80 "$E2E_DIR/server.log" >&2
  exit "$E2E_STATUS"
fi
kill "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true
rm -rf "$E2E_DIR"
step "all tests passed"
