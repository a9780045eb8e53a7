#!/usr/bin/env bash
# Checks the running server against the OpenAPI document it serves, signed in as the demo
# trader: schemathesis (PyPI, pinned, installed into tools/schemathesis-venv on first use)
# sends schema-valid requests to every operation and fails on a server error, a status the
# document does not list, a schema-valid request refused, or a response off its schema.
#   scripts/schemathesis.sh http://127.0.0.1:3102
# The server should run in simulation mode with short event streams (EVENT_STREAM_IDLE_SECS=1)
# and its sign-in and webhook limits lifted (every request comes from 127.0.0.1).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BASE="${1:?usage: scripts/schemathesis.sh BASE_URL}"
VENV="$ROOT/tools/schemathesis-venv"
VERSION=4.32.5

if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version | grep -q "$VERSION"; then
  step "installing schemathesis $VERSION (PyPI) into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$VERSION"
fi

cookie="$(curl -fsS -o /dev/null -D - -X POST "$BASE/api/auth/login" \
  --data-urlencode username=trader --data-urlencode password=cashflow-demo \
  | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -n 1)"
[ -n "$cookie" ] || { echo "could not sign in as the demo trader at $BASE" >&2; exit 1; }

step "schemathesis against $BASE/api/v1/openapi.json, signed in as trader"
# Positive mode: every request is valid by the document, so any refusal is a finding.
"$VENV/bin/schemathesis" --config-file "$ROOT/scripts/schemathesis.toml" run "$BASE/api/v1/openapi.json" \
  --header "Cookie: $cookie" \
  --mode positive \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,positive_data_acceptance,response_schema_conformance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-40}" \
  --seed 20261126 \
  --request-timeout 20 \
  --generation-database none \
  --no-color
