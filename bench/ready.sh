#!/usr/bin/env bash
# Time from process start to the first `/readyz` 200 on the embedded default (SQLite), with
# the data file already there: one first start creates, migrates and seeds it (timed too),
# then five restarts are timed. Uses the release build (built if missing).
#
#   bench/ready.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
fg=${CARGO_TARGET_DIR:-target}/release/familygraph
[ -x "$fg" ] || cargo build --release --locked -q -p familygraph
port=${FG_READY_PORT:-18090}
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
export FAMILYGRAPH_DATA_DIR=$data FAMILYGRAPH_BIND=127.0.0.1:$port RUST_LOG=warn
unset DATABASE_URL

# start LABEL: starts the server, waits for /readyz 200, prints the time, stops it.
start() {
  local began pid
  began=$(date +%s%N)
  "$fg" serve >>"$data/server.log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
    kill -0 "$pid" 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
    sleep 0.005
  done
  echo "$1: $(( ($(date +%s%N) - began) / 1000000 )) ms to /readyz 200 (RSS $(awk '/VmRSS/ {print $2 " kB"}' /proc/$pid/status))"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

start "first start (create, migrate and seed the SQLite file)"
for n in 1 2 3 4 5; do
  start "restart $n (existing SQLite file)"
done
