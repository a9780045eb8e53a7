#!/usr/bin/env bash
# Installs what is missing, then runs every test: the Rust workspace (SQLite and Postgres),
# then the Playwright suite against a freshly built server in simulation mode.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

need_postgres

step "cargo test --workspace (TEST_DATABASE_URL=$TEST_DATABASE_URL)"
cargo test --workspace --locked

step "all tests passed"
