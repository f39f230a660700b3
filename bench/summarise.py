#!/usr/bin/env python3
"""Summarise a bench/compare.sh run: every run as a table row, then the ratios the targets
are stated in (familygraph / PostGraphile throughput, familygraph / raw-SQL floor latency),
each from the same run. Usage: summarise.py results.jsonl [machine.txt]"""

import json
import sys


def main() -> None:
    runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    by_label = {r["label"]: r for r in runs}
    if len(sys.argv) > 2:
        print("```")
        print(open(sys.argv[2]).read().rstrip())
        print("```\n")

    print("| Run | Mode | Clients | ops/s | p50 ms | p95 ms | p99 ms | max ms | errors | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        mode = "closed" if r["mode"] == "closed" else f"open @{r['target_rate']:g}/s"
        # An open run's count is of requests *due* in the period: its rate is the offered one.
        rate = f"{r['throughput']:.1f}" if r["mode"] == "closed" else f"({r['throughput']:.0f} offered)"
        rss = f"{r['peak_rss_mib']:.1f}" if r.get("peak_rss_mib") else "–"
        print(
            f"| {r['label']} | {mode} | {r['concurrency']} | {rate} | "
            f"{r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.2f} | "
            f"{r['errors']} | {rss} |"
        )

    print("\n| Ratio (same run) | Value | Target |")
    print("|---|---|---|")
    for workload in ("W1", "W2", "W5a", "W5b"):
        for clients in (10, 50):
            fg = by_label.get(f"familygraph {workload} c{clients}")
            pg = by_label.get(f"postgraphile {workload} c{clients}")
            if fg and pg and pg["throughput"] > 0:
                ratio = fg["throughput"] / pg["throughput"]
                print(
                    f"| {workload} c{clients} throughput familygraph / PostGraphile | "
                    f"{ratio:.2f}× ({fg['throughput']:.0f} / {pg['throughput']:.0f} ops/s) | ≥ 1.5× |"
                )
    fg = by_label.get("familygraph W1 c1")
    floor = by_label.get("floor W1 c1")
    if fg and floor:
        print(
            f"| W1 p50 familygraph / raw-SQL floor (1 client) | {fg['p50_ms'] / floor['p50_ms']:.2f}× "
            f"({fg['p50_ms']:.2f} / {floor['p50_ms']:.2f} ms) | ≤ 1.3× |"
        )
    pg = by_label.get("postgraphile W1 c1")
    if pg and floor:
        print(
            f"| W1 p50 PostGraphile / raw-SQL floor (1 client) | {pg['p50_ms'] / floor['p50_ms']:.2f}× "
            f"({pg['p50_ms']:.2f} / {floor['p50_ms']:.2f} ms) | (for reference) |"
        )
    for workload in ("W1", "W2"):
        fg = by_label.get(f"familygraph {workload} c50")
        if fg:
            print(f"| {workload} c50 familygraph p99 | {fg['p99_ms']:.1f} ms | ≤ 50 ms |")
    peaks = [r["peak_rss_mib"] for r in runs if r["label"].startswith("familygraph") and r.get("peak_rss_mib")]
    if peaks:
        print(f"| familygraph peak RSS over every run | {max(peaks):.1f} MiB | ≤ 100 MB |")
    peaks = [r["peak_rss_mib"] for r in runs if r["label"].startswith("postgraphile") and r.get("peak_rss_mib")]
    if peaks:
        print(f"| PostGraphile peak RSS over every run | {max(peaks):.1f} MiB | (for reference) |")


if __name__ == "__main__":
    main()
