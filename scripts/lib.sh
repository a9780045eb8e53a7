# Shared by scripts/dev.sh and scripts/test.sh: idempotent set-up steps, each logged.
# Tools are installed with cargo's own temporary target dir, not the project's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export PATH="$HOME/.cargo/bin:$ROOT/e2e/node_modules/.bin:$ROOT/tools/node_modules/.bin:$PATH"
WASM_BINDGEN_VERSION="0.2.129"
CARGO_LEPTOS_VERSION="0.3.10"

# Each step shows the minutes and seconds since the script started (where the time goes).
step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

need_wasm_target() {
  if rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
    step "wasm32 target: already installed"
  else
    step "wasm32 target: installing"
    rustup target add wasm32-unknown-unknown
  fi
}

need_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    step "cargo-leptos $CARGO_LEPTOS_VERSION: already installed"
  else
    step "cargo-leptos $CARGO_LEPTOS_VERSION: installing (about 15 minutes, once per machine)"
    env -u CARGO_TARGET_DIR cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  if wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    step "wasm-bindgen-cli $WASM_BINDGEN_VERSION: already installed"
  else
    step "wasm-bindgen-cli $WASM_BINDGEN_VERSION: installing (must equal the pinned wasm-bindgen crate)"
    env -u CARGO_TARGET_DIR cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked
  fi
}

need_chromium() {
  if [ -x /usr/bin/chromium ]; then
    step "chromium: already installed"
  else
    step "chromium: installing from Debian"
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi
  fi
}

need_npm_packages() {
  if [ -d "$ROOT/e2e/node_modules/@playwright/test" ] && [ "$ROOT/e2e/node_modules/.package-lock.json" -nt "$ROOT/e2e/package-lock.json" ]; then
    step "npm packages: up to date"
  else
    step "npm packages: installing in e2e/ (npm ci)"
    (cd "$ROOT/e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}

need_wasm_opt() {
  if [ -x "$ROOT/tools/node_modules/.bin/wasm-opt" ] && [ "$ROOT/tools/node_modules/.package-lock.json" -nt "$ROOT/tools/package-lock.json" ]; then
    step "wasm-opt (npm binaryen 132): already installed"
  else
    step "wasm-opt (npm binaryen 132): installing in tools/ (never Debian's: its wasm fails to hydrate)"
    (cd "$ROOT/tools" && npm ci --no-audit --no-fund)
  fi
}

# A cold run fills about 6 GB of target/; say so up front rather than fail mid-compile.
report_disk() {
  local free_kb
  free_kb="$(df -Pk "$ROOT" | awk 'NR==2 {print $4}')"
  step "disk: $((free_kb / 1024 / 1024)) GB free under $ROOT (a cold run needs about 6 GB)"
  if [ "$free_kb" -lt $((6 * 1024 * 1024)) ]; then
    echo "warning: less than 6 GB free; the build may fail with 'No space left on device'." >&2
    echo "Old target/ folders of other clones are the usual culprit (each holds several GB)." >&2
  fi
}

# listening HOSTPORT: whether something accepts TCP connections at host:port.
listening() {
  local host="${1%%:*}" port="${1##*:}"
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

need_nats() {
  EVENTS_NATS_URL="${EVENTS_NATS_URL:-nats://127.0.0.1:4222}"
  export EVENTS_NATS_URL
  step "nats: checking $EVENTS_NATS_URL (JetStream)"
  local hostport="${EVENTS_NATS_URL#*://}"
  if ! listening "${hostport%%/*}"; then
    echo "NATS is not reachable at ${hostport%%/*}, and the event-stream tests need it (they never skip)." >&2
    echo "Start it with:  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \\" >&2
    echo "  -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log" >&2
    exit 1
  fi
}

need_postgres() {
  TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  export TEST_DATABASE_URL
  step "postgres: checking $TEST_DATABASE_URL"
  local hostport="${TEST_DATABASE_URL#*@}"
  if ! listening "${hostport%%/*}"; then
    echo "PostgreSQL is not reachable at ${hostport%%/*}, and the tests need it (they never skip)." >&2
    echo "Start it with:  pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
    echo "or point TEST_DATABASE_URL at a server where the user may create databases." >&2
    exit 1
  fi
}
