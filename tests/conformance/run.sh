#!/usr/bin/env bash
# Conformance: standard suites and unmodified clients against a running familygraph.
#
#   1. graphql-http's GraphQL-over-HTTP audit suite           (audit.mjs)
#   2. Schemathesis, fixed seed, bounded examples, two tokens  (schemathesis.sh)
#   3. urql + graphql-ws, Python gql, codegen + tsc, Relay     (clients/, codegen.yml, relay.mjs)
#   4. GraphiQL in headless Chromium, no outside network       (graphiql.mjs)
#
# Starts the debug binary (target/debug/familygraph, brought up to date first) on a free loopback port
# over a temporary SQLite database (the embedded default, seeded with the demo data), mints
# tokens with the development issuer, runs every suite even when one fails, writes
# target/conformance/summary.json, and exits non-zero on any failure. npm packages and the
# Python tools are installed idempotently, their downloads cached under ~/.cache/familygraph/;
# Chromium comes from Debian's packages when missing.
#
# Environment: FAMILYGRAPH_BIN (binary to test), FAMILYGRAPH_CONFORMANCE_EXAMPLES (Schemathesis
# examples per operation, default 20), FAMILYGRAPH_CONFORMANCE_SCREENSHOT (where the GraphiQL
# screenshot goes; default target/conformance/graphiql.png; docs/graphiql.png refreshes the docs).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${FAMILYGRAPH_CACHE_DIR:-$HOME/.cache/familygraph}"
out="$root/target/conformance"
binary="${FAMILYGRAPH_BIN:-$root/target/debug/familygraph}"
screenshot="${FAMILYGRAPH_CONFORMANCE_SCREENSHOT:-$out/graphiql.png}"
mkdir -p "$out" "$cache"
# A fresh Hypothesis example database each run: the fixed seed alone decides what is generated.
rm -rf "$out"/*.json "$out/.hypothesis" "$out/.schemathesis"

note() { printf '\n--- %s (%ss)\n' "$1" "$SECONDS"; }

# --- tools -------------------------------------------------------------------------------------
note "tools"
if ! command -v npm >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
if ! [ "$here/node_modules/.package-lock.json" -nt "$here/package-lock.json" ]; then
  npm ci --prefix "$here" --cache "$cache/npm" --prefer-offline --no-audit --no-fund --no-update-notifier --loglevel=error >/dev/null
fi
requirements_hash="$(sha256sum "$here/requirements.txt" | cut -c1-12)"
venv="$cache/conformance-venv-$requirements_hash"
if ! [ -x "$venv/bin/st" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --cache-dir "$cache/pip" -r "$here/requirements.txt"
fi
chromium="${CHROMIUM:-/usr/bin/chromium}"
if ! [ -x "$chromium" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
if [ -z "${FAMILYGRAPH_BIN:-}" ]; then
  # Up to date after the test steps (they build the same dependencies); otherwise a short build.
  (cd "$root" && cargo build -q -p familygraph --locked)
fi
echo "node $(node --version), $("$venv/bin/st" --version 2>/dev/null | head -n1), $("$chromium" --version 2>/dev/null)"

# --- server ------------------------------------------------------------------------------------
note "server"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export FAMILYGRAPH_DATA_DIR="$work/data"
unset DATABASE_URL FAMILYGRAPH_OIDC_ISSUER FAMILYGRAPH_TRUSTED_DOCUMENTS
# Schemathesis sends thousands of requests from one caller: the per-client rate limit is off
# for this server (it has its own tests).
export FAMILYGRAPH_RATE_LIMIT_PER_MINUTE=0
export RUST_LOG="${RUST_LOG:-warn}"
"$binary" serve --bind 127.0.0.1:0 >"$out/server.log" 2>&1 &
server_pid=$!
base=""
for _ in $(seq 1 240); do
  base="$(grep -o 'GraphiQL at http://[0-9.:]*' "$out/server.log" | head -n1 | sed 's#GraphiQL at ##' || true)"
  [ -n "$base" ] && curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$out/server.log" >&2; echo "the server stopped" >&2; exit 1; }
  base=""
  sleep 0.5
done
[ -n "$base" ] || { cat "$out/server.log" >&2; echo "the server did not become ready" >&2; exit 1; }
url="$base/graphql"
echo "familygraph at $base (ready after ${SECONDS}s)"
token() { "$binary" token "$@"; }
admin="$(token --role administrator)"
practitioner="$(token --role social_worker --subject sw-s1-01 --team S1)"
school="$(token --role school_dsl --school-urn 990101 --subject dsl-990101)"

# --- suites ------------------------------------------------------------------------------------
failed=()
suite() {
  local name="$1"; shift
  note "$name"
  if ! "$@"; then failed+=("$name"); fi
}
suite "graphql-http audits" node "$here/audit.mjs" "$url" "$admin" "$out/audit.json"
suite "schemathesis" env ST="$venv/bin/st" bash "$here/schemathesis.sh" "$url" "$out" \
  "practitioner=$practitioner" "school=$school"
suite "Relay conventions" node "$here/relay.mjs" "$root/schema.graphql" "$out/relay.json"
suite "codegen + tsc" bash -c 'cd "$1" && rm -rf generated && npx --no-install graphql-codegen --config codegen.yml >/dev/null && npx --no-install tsc -p tsconfig.json && echo "codegen: $(grep -c "Document = " generated/graphql.ts) typed operations type-check" && echo "{\"operations\": $(grep -c "Document = " generated/graphql.ts), \"failed\": 0}" > "$2/codegen.json"' _ "$here" "$out"
suite "urql + graphql-ws" node "$here/clients/urql.mjs" "$url" "$admin" "$out/urql.json"
suite "Python gql" "$venv/bin/python" "$here/clients/gql_client.py" "$url" "$admin" "$school" "$out/gql.json"
suite "GraphiQL in Chromium" env CHROMIUM="$chromium" node "$here/graphiql.mjs" "$base" "$admin" "$screenshot" "$out/graphiql.json"

# --- summary -----------------------------------------------------------------------------------
note "summary"
node "$here/summary.mjs" "$out" "${failed[@]}"
