#!/usr/bin/env bash
# Builds what is deployed: `cargo leptos build --release` (server binary, optimised wasm), then
# gathers a self-contained directory, dist/cashflow/, with the binary, the site (asset names
# carry content hashes, listed in hash.txt beside the binary) and a Leptos.toml pointing at it. Migrations are embedded in the binary. Installs what is missing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

report_disk
need_wasm_target
need_cargo_leptos
need_wasm_opt

step "cargo leptos build --release"
cargo leptos build --release

OUT="$ROOT/dist/cashflow"
step "gathering $OUT"
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$CARGO_TARGET_DIR/release/app" "$OUT/app"
# The hashed names of the js, wasm and css: the server reads them beside its binary.
cp "$CARGO_TARGET_DIR/release/hash.txt" "$OUT/hash.txt"
cp -r "$CARGO_TARGET_DIR/site" "$OUT/site"
sed -e 's|^site-root = .*|site-root = "site"|' -e 's|^site-addr = .*|site-addr = "0.0.0.0:3000"|' Leptos.toml > "$OUT/Leptos.toml"
cp deploy/cashflow.service "$OUT/"

step "precompressing the site (brotli and gzip beside each file; served with Content-Encoding)"
node -e '
  const fs = require("fs"), path = require("path"), zlib = require("zlib");
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
  for (const file of walk(process.argv[1]).filter((f) => /\.(wasm|js|css|svg|html)$/.test(f))) {
    const data = fs.readFileSync(file);
    fs.writeFileSync(file + ".br", zlib.brotliCompressSync(data, { params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
    fs.writeFileSync(file + ".gz", zlib.gzipSync(data, { level: 9 }));
  }
' "$OUT/site"

step "checking the bundle starts (simulation mode, a throwaway database)"
check_dir="$(mktemp -d -t cf-release.XXXXXX)"
port=3197
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
  echo "port $port is already in use (a server left from an earlier run?): the check would ask it, not this bundle" >&2
  exit 1
fi
# exec: $! is the server itself, so the trap stops it (not just the subshell).
(cd "$OUT" && exec env -u PLAID_CLIENT_ID -u SIMULATION DATABASE_URL="sqlite://$check_dir/db.sqlite" DATA_DIR="$check_dir" \
  LISTEN_ADDR="127.0.0.1:$port" PUBLIC_URL="http://127.0.0.1:$port" ./app > "$check_dir/server.log" 2>&1) &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
ok=""
for _ in $(seq 100); do
  if curl -fs "http://127.0.0.1:$port/login" | grep -q 'cashflow'; then ok=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
wasm="cashflow.$(sed -n 's/^wasm: *//p' "$OUT/hash.txt").wasm"
encoding="" caching="" linked=""
if [ -n "$ok" ]; then
  headers="$(curl -s -o /dev/null -D - -H 'Accept-Encoding: br, gzip' "http://127.0.0.1:$port/pkg/$wasm" | tr -d '\r')"
  encoding="$(sed -n 's/^content-encoding: //Ip' <<<"$headers")"
  caching="$(sed -n 's/^cache-control: //Ip' <<<"$headers")"
  curl -fs "http://127.0.0.1:$port/login" | grep -q "/pkg/$wasm" && linked=1
fi
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [ -n "$ok" ] && [ "$encoding" != "br" ]; then
  echo "the wasm ($wasm) was not served brotli-compressed (content-encoding: '$encoding')" >&2
  exit 1
fi
if [ -n "$ok" ] && [[ "$caching" != *immutable* ]]; then
  echo "the hashed wasm ($wasm) was not served immutable (cache-control: '$caching')" >&2
  exit 1
fi
if [ -n "$ok" ] && [ -z "$linked" ]; then
  echo "the sign-in page does not load the hashed wasm ($wasm)" >&2
  exit 1
fi
if [ -z "$ok" ]; then
  echo "the release bundle did not serve /login; log:" >&2
  cat "$check_dir/server.log" >&2
  exit 1
fi
for asset in "$OUT"/site/pkg/*.wasm "$OUT"/site/pkg/*.js; do
  echo "$(basename "$asset"): $(( $(stat -c %s "$asset") / 1024 )) KB, brotli $(( $(stat -c %s "$asset.br") / 1024 )) KB, gzip $(( $(stat -c %s "$asset.gz") / 1024 )) KB"
done
# The front end's budget (issue 11): the wasm and JS a page loads, as brotli, at most 200 KB.
js="cashflow.$(sed -n 's/^js: *//p' "$OUT/hash.txt").js"
shipped=$(( $(stat -c %s "$OUT/site/pkg/$wasm.br") + $(stat -c %s "$OUT/site/pkg/$js.br") ))
step "front end on the wire: $(( shipped / 1024 )) KB of wasm + JS as brotli (budget 200 KB)"
if [ "$shipped" -gt $(( 200 * 1024 )) ]; then
  echo "the front end is over its 200 KB budget: keep server-only code out of islands (README, Benchmarks)" >&2
  exit 1
fi

cat <<MSG

Release bundle: $OUT
Run it from that directory (live mode needs Plaid credentials, ENCRYPTION_KEYS and an https PUBLIC_URL):
  cd $OUT && DATABASE_URL=postgres://... PUBLIC_URL=https://cash.example PLAID_CLIENT_ID=... PLAID_SECRET=... ENCRYPTION_KEYS=... ./app
A systemd unit is beside it (cashflow.service); Dockerfile builds the same bundle in a container.
MSG
