"""Counts one Schemathesis run from its NDJSON report: operations, test cases (requests sent),
responses by status class, checks run and failed, and whether any data came back.

Usage: python schemathesis_summary.py <token name> <report dir> <summary.json>
Exits non-zero when a check failed, a response was 5xx, or no test case ran.
"""

import json
import sys
from collections import Counter
from pathlib import Path

name, report_dir, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
reports = sorted(report_dir.glob("*.ndjson"))
operations, cases, statuses, checks, failed_checks = set(), 0, Counter(), 0, Counter()
with_data = 0
for report in reports:
    for line in report.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        operations.add(recorder["label"])
        for interaction in recorder.get("interactions", {}).values():
            response = interaction.get("response") or {}
            status = response.get("status_code")
            cases += 1
            statuses[f"{status // 100}xx" if isinstance(status, int) else "none"] += 1
        for results in recorder.get("checks", {}).values():
            for check in results:
                checks += 1
                if check.get("status") != "success":
                    failed_checks[check.get("name")] += 1
summary = {
    "token": name,
    "operations": len(operations),
    "testCases": cases,
    "responses": dict(sorted(statuses.items())),
    "checksRun": checks,
    "failures": sum(failed_checks.values()),
    "failedChecks": dict(failed_checks),
}
out.write_text(json.dumps(summary, indent=2))
print(
    f"schemathesis ({name}): {cases} test cases over {len(operations)} operations, "
    f"responses {dict(sorted(statuses.items()))}, {checks} checks, {summary['failures']} failed"
)
ok = cases > 0 and summary["failures"] == 0 and statuses.get("5xx", 0) == 0
sys.exit(0 if ok else 1)
