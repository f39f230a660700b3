#!/usr/bin/env bash
# Imports a synthetic Standard Safeguarding Dataset extract into a private PostgreSQL database
# and reports peak memory and throughput (docs/benchmarks.md, "Importing"). A measurement,
# not a test: nothing here asserts a time.
#
#   bench/import-ssd.sh                 # 100,000 children, release build
#   CHILDREN=10000 PROFILE=dev bench/import-ssd.sh
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
  cargo build --release -p familygraph --bin familygraph --example ssd_extract
  BIN=target/release
else
  cargo build -p familygraph --bin familygraph --example ssd_extract
  BIN=target/debug
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
set +e
/usr/bin/time -v "$BIN/familygraph" import ssd "$WORK/ssd" --source bench-ssd \
  --page-size "$PAGE_SIZE" --json >"$WORK/summary.json" 2>"$WORK/time.txt"
code=$?
set -e
echo "exit code: $code"
python3 - "$WORK/summary.json" "$WORK/time.txt" "$CHILDREN" <<'PY'
import json, re, sys
summary = json.load(open(sys.argv[1]))
time = open(sys.argv[2]).read()
children = int(sys.argv[3])
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time).group(1))
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", time).group(1)
seconds = summary["elapsedSeconds"]
print(f"status {summary['status']}: read {summary['read']}, created {summary['created']}, "
      f"updated {summary['updated']}, unchanged {summary['unchanged']}, rejected {summary['rejected']}, "
      f"queued for review {summary['queuedForReview']}")
print(f"{children} children in {seconds:.1f} s (wall {wall}): {children / seconds:.0f} children/s, "
      f"{summary['read'] / seconds:.0f} records/s; peak RSS {rss / 1024:.0f} MiB")
PY
for table in person source_record contact assessment plan; do
  printf '%s: ' "$table"
  psql -qtA "$PG/$DB" -c "SELECT COUNT(*) FROM $table" 2>/dev/null || echo "-"
done
