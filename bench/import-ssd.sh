#!/usr/bin/env bash
# Imports a synthetic Standard Safeguarding Dataset extract into a private PostgreSQL database
# and reports peak memory and throughput (docs/benchmarks.md, "Importing"). A measurement,
# not a test: nothing here asserts a time.
#
#   bench/import-ssd.sh                 # 100,000 children, release build
#   CHILDREN=10000 PROFILE=dev bench/import-ssd.sh
#   RERUN=0 bench/import-ssd.sh         # without the second, all-unchanged run
#   BUILD=0 bench/import-ssd.sh         # the binaries already built, as they are
#
# Needs PostgreSQL at FAMILYGRAPH_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432),
# psql and GNU time (/usr/bin/time). The database fgrun_bench is created and dropped again.
set -euo pipefail
cd "$(dirname "$0")/.."
CHILDREN=${CHILDREN:-100000}
PAGE_SIZE=${PAGE_SIZE:-1000}
PROFILE=${PROFILE:-release}
PG=${FAMILYGRAPH_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
DB=fgrun_bench
if [ "$PROFILE" = release ]; then
  BIN=${CARGO_TARGET_DIR:-target}/release
  FLAGS=(--release)
else
  BIN=${CARGO_TARGET_DIR:-target}/debug
  FLAGS=()
fi
if [ "${BUILD:-1}" = 1 ]; then
  cargo build "${FLAGS[@]}" -p familygraph --bin familygraph --example ssd_extract
fi
WORK=$(mktemp -d)
cleanup() {
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
"$BIN/examples/ssd_extract" "$WORK/ssd" "$CHILDREN"
du -sh "$WORK/ssd"
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
export DATABASE_URL="$PG/$DB" FAMILYGRAPH_LOG_FORMAT=text RUST_LOG=warn
"$BIN/familygraph" migrate
# The extract once into the empty database, then (RERUN=1, the default) the same extract again:
# every record unchanged, nothing written.
report() {
  python3 - "$WORK/summary-$1.json" "$WORK/time-$1.txt" "$CHILDREN" "$1" <<'PY'
import json, re, sys
summary = json.load(open(sys.argv[1]))
time = open(sys.argv[2]).read()
children = int(sys.argv[3])
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time).group(1))
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", time).group(1)
user = float(re.search(r"User time \(seconds\): (\S+)", time).group(1))
system = float(re.search(r"System time \(seconds\): (\S+)", time).group(1))
seconds = summary["elapsedSeconds"]
print(f"[{sys.argv[4]}] status {summary['status']}: read {summary['read']}, created {summary['created']}, "
      f"updated {summary['updated']}, unchanged {summary['unchanged']}, rejected {summary['rejected']}, "
      f"queued for review {summary['queuedForReview']}")
print(f"[{sys.argv[4]}] {children} children in {seconds:.1f} s (wall {wall}, familygraph CPU "
      f"{user:.1f} s user + {system:.1f} s system): {children / seconds:.0f} children/s, "
      f"{summary['read'] / seconds:.0f} records/s; peak RSS {rss / 1024:.0f} MiB")
PY
}
runs="first"
if [ "${RERUN:-1}" = 1 ]; then runs="first rerun"; fi
for run in $runs; do
  set +e
  /usr/bin/time -v "$BIN/familygraph" import ssd "$WORK/ssd" --source bench-ssd \
    --page-size "$PAGE_SIZE" --json >"$WORK/summary-$run.json" 2>"$WORK/time-$run.txt"
  code=$?
  set -e
  echo "[$run] exit code: $code"
  report "$run"
done
for table in person source_record contact assessment plan; do
  printf '%s: ' "$table"
  psql -qtA "$PG/$DB" -c "SELECT COUNT(*) FROM $table" 2>/dev/null || echo "-"
done
