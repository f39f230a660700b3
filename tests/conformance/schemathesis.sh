#!/usr/bin/env bash
# Schemathesis against a running familygraph, from the checked-in schema.graphql: every query
# and mutation field, a fixed seed and a bounded number of examples, once per token.
#
# Usage: ST=path/to/st schemathesis.sh <graphql url> <out dir> name=token [name=token ...]
# Environment: FAMILYGRAPH_CONFORMANCE_EXAMPLES (examples per operation, default 20),
# FAMILYGRAPH_CONFORMANCE_SEED (default 2026).
#
# The checks are this project's (schemathesis_checks.py): no 5xx, no INTERNAL or uncoded
# error, and every answer's `data` shaped as the document and schema promise. Schemathesis's
# own GraphQL not_a_server_error is left out because it counts FORBIDDEN and NOT_FOUND
# answers as server failures (see docs/conformance.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
url="$1" out="$2"
shift 2
st="${ST:-st}"
examples="${FAMILYGRAPH_CONFORMANCE_EXAMPLES:-20}"
seed="${FAMILYGRAPH_CONFORMANCE_SEED:-2026}"
status=0
for pair in "$@"; do
  name="${pair%%=*}" token="${pair#*=}"
  echo "schemathesis as $name: seed $seed, $examples examples per operation"
  report="$out/schemathesis-$name"
  rm -rf "$report"
  # From the report directory: Schemathesis keeps its replay files in ./.schemathesis.
  if ! (cd "$out" && SCHEMATHESIS_HOOKS=schemathesis_checks PYTHONPATH="$here" FAMILYGRAPH_SCHEMA="$root/schema.graphql" \
    timeout 900 "$st" --no-color run "$root/schema.graphql" --url "$url" \
      -H "Authorization: Bearer $token" \
      --seed "$seed" --max-examples "$examples" --workers 2 \
      --phases fuzzing \
      --exclude-checks not_a_server_error,positive_data_acceptance \
      --request-timeout 30 \
      --report junit,ndjson --report-dir "$report" >"$report.log" 2>&1); then
    status=1
  fi
  tail -n 25 "$report.log"
  "$(dirname "$st")/python" "$here/schemathesis_summary.py" "$name" "$report" "$out/schemathesis-$name.json" || status=1
done
exit "$status"
