#!/usr/bin/env bash
# Builds the parser fuzz targets and runs each for a fixed time from its checked-in seed
# corpus (copied to a temporary directory: the run adds nothing to the repository). Fails on
# any crash, panic, failed property or hang, keeping the input under target/fuzz-artifacts/.
# Writes executions per target to target/fuzz-summary.json.
#
# Stable Rust: no sanitizer (`--sanitizer none`), so no nightly features are needed; debug
# assertions (overflow checks) are on. Usage: fuzz/run.sh [seconds per target] [target...]
# (default 20 seconds, every target). About 5-7 minutes cold (cargo-fuzz install and the fuzz
# build), under 2 minutes warm.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo_fuzz_version=0.13.2
seconds="${1:-${FAMILYGRAPH_FUZZ_SECONDS:-20}}"
shift || true
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=(cin_census_xml fhir_patient identifiers openreferral_json)
  if grep -q '^name = "ssd_csv"' fuzz/Cargo.toml; then targets+=(ssd_csv); fi
fi

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $cargo_fuzz_version" ]; then
  cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

# fuzz/Cargo.lock is checked in but not enforced (no --locked): the targets build the
# workspace's crates from source, and a dependency added to one of them must not break this
# step before the fuzz lock file is refreshed (cargo adds it, changing nothing else).
# fuzz/target by default. CI runs in a fresh clone each time, so there the build is kept
# under the project's cache (about 1 GB) and a warm run skips the 4-5 minute fuzz build.
if [ -n "${FAMILYGRAPH_FUZZ_TARGET_DIR:-}" ]; then
  target_dir="$FAMILYGRAPH_FUZZ_TARGET_DIR"
elif [ "${CI:-}" = "true" ]; then
  target_dir="${FAMILYGRAPH_CACHE_DIR:-$HOME/.cache/familygraph}/fuzz-target"
else
  target_dir="$PWD/fuzz/target"
fi
(cd fuzz && cargo fuzz build --sanitizer none --debug-assertions --target-dir "$target_dir")

bin_dir="$target_dir/x86_64-unknown-linux-gnu/release"
# In memory when possible: ssd_csv writes its extract files for every input.
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tmp"
mkdir -p target
artifacts=target/fuzz-artifacts
summary="{"
failed=0
for target in "${targets[@]}"; do
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  cp fuzz/corpus/"$target"/* "$work/$target/corpus/"
  log="$work/$target/log"
  status=0
  TMPDIR="$work/tmp" "$bin_dir/$target" "$work/$target/corpus" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/$target/artifacts/" >"$log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  coverage=$(sed -n 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
  printf '%-18s %s: %s executions, %s coverage points, exit %s\n' \
    "$target" "${seconds}s" "${executions:-0}" "${coverage:-?}" "$status"
  summary+="\"$target\":{\"seconds\":$seconds,\"executions\":${executions:-0},\"coverage\":${coverage:-0},\"exit\":$status},"
  if [ "$status" -ne 0 ]; then
    failed=1
    mkdir -p "$artifacts/$target"
    cp "$work/$target/artifacts/"* "$artifacts/$target/" 2>/dev/null || true
    tail -n 40 "$log" >&2
    echo "fuzz target $target failed; the input is in $artifacts/$target/" >&2
  fi
done
printf '%s}\n' "${summary%,}" >target/fuzz-summary.json
cat target/fuzz-summary.json
exit "$failed"
