#!/usr/bin/env bash
# Measures what an anonymous client can cost the server (issue 10, points 1 and 3), on the
# release build in simulation mode, against a baseline run alongside:
#   1. 1,000 sign-in attempts for unknown usernames, 256 at a time: resident memory with the
#      default hashing bound (one Argon2 per core), and with the bound lifted to 32 at once
#      as the baseline (before the bound, every attempt hashed at once).
#   2. 2,000 forged webhooks with random 8 KB key ids: memory growth and how many times the
#      simulator's key endpoint (Plaid's, in live mode) was called.
# Rate limits are lifted for the run: every request comes from 127.0.0.1, and what is
# measured here is the work behind them. Prints one line per run and the ratios.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="${APP_BIN:-$CARGO_TARGET_DIR/release/app}"
if [ ! -x "$BIN" ]; then
  echo "==> building the release server (cargo build --release -p app --features ssr)"
  cargo build --release -p app --features ssr --bin app
fi

PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null || true' EXIT

# start_server PORT [ENV=VALUE...]: a fresh server in simulation mode on a fresh SQLite file.
start_server() {
  local port="$1"; shift
  local dir; dir="$(mktemp -d -t cf-bench.XXXXXX)"
  env -u PLAID_CLIENT_ID -u SIMULATION DATABASE_URL="sqlite://$dir/db.sqlite" DATA_DIR="$dir" \
    LISTEN_ADDR="127.0.0.1:$port" PUBLIC_URL="http://127.0.0.1:$port" LEPTOS_OUTPUT_NAME=cashflow LEPTOS_HASH_FILES=true \
    LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site" SIGN_IN_RATE_PER_MINUTE=1000000 WEBHOOK_RATE_PER_MINUTE=1000000 \
    RUST_LOG=error "$@" "$BIN" > "$dir/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start; log:" >&2; cat "$dir/server.log" >&2; exit 1
}

stop_server() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; }

figure() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

echo "==> sign-in attempts, bounded (default: one hash per core, $(nproc) cores)"
start_server 3101
bounded="$(python3 bench/open_surface.py http://127.0.0.1:3101 "$PID" signin 1000 256)"; echo "$bounded"
stop_server

echo "==> sign-in attempts, baseline: 32 hashes at once"
start_server 3102 PASSWORD_HASH_CONCURRENCY=32 PASSWORD_HASH_WAIT_MS=60000
baseline="$(python3 bench/open_surface.py http://127.0.0.1:3102 "$PID" signin 1000 256)"; echo "$baseline"
stop_server

echo "==> forged webhooks with random 8 KB key ids"
start_server 3103
webhooks="$(python3 bench/open_surface.py http://127.0.0.1:3103 "$PID" webhooks 2000 64)"; echo "$webhooks"
stop_server

python3 - "$(figure rss_peak_mb "$bounded")" "$(figure rss_peak_mb "$baseline")" <<'PY'
import sys
bounded, baseline = float(sys.argv[1]), float(sys.argv[2])
print(f"peak resident memory, bounded / baseline: {bounded:.0f} MB / {baseline:.0f} MB = {bounded / baseline:.2f}x")
PY
