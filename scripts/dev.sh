#!/usr/bin/env bash
# Installs what is missing, then runs the app with live reload on the embedded defaults:
# SQLite under ./data and simulation mode (no Plaid credentials needed).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

need_wasm_target
need_cargo_leptos
need_chromium
need_npm_packages

mkdir -p "$ROOT/data"
step "cargo leptos watch: open http://127.0.0.1:3000 and sign in as trader / cashflow-demo"
exec cargo leptos watch
