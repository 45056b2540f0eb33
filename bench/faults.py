"""障害試験 benchmark: each fault of features/clweb/05_faults.feature N times on one lab, with
the median and p95 RTO per fault against its 目標復旧時間, and the two invariants over every round (seconds with two
actives, acknowledged saves lost: both must be 0).

    .venv/bin/python bench/faults.py [N]        (N >= 3, default 5)

The whole clweb folder runs once (the faults need the cluster the guide's procedure builds),
then every fault scenario N times in a row; the lab is removed at the end, whatever happens.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict

from fault_rounds import run_rounds
from kept_lab import OUT, ROOT


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, int(round(0.95 * len(values))) - 1)]


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    if rounds < 3:
        sys.exit("bench: at least 3 rounds per fault")
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / "faults.json"
    returncode = run_rounds(
        ROOT,
        rounds,
        out,
        [
            f"--html={OUT / 'report.html'}",
            f"--junitxml={OUT / 'junit.xml'}",
            f"--cucumberjson={OUT / 'cucumber.json'}",
            f"--workbook={OUT / 'faults.xlsx'}",
        ],
    )
    if not out.exists():
        sys.exit(f"bench: the run wrote no measurements (pytest exit {returncode})")
    by_fault = defaultdict(list)
    for m in json.loads(out.read_text(encoding="utf-8")):
        by_fault[m["label"]].append(m)
    print(f"\n障害試験: {rounds} rounds per fault (pytest exit {returncode}; report {OUT / 'report.html'})")
    for label, runs in by_fault.items():
        rtos = [r["rto"] for r in runs if r["rto"] is not None]
        doubled = sum(r["two_actives"] for r in runs)
        lost = sum(r["lost"] for r in runs)
        acked = sum(r["acknowledged"] for r in runs)
        timing = (
            f"RTO median {statistics.median(rtos):.2f} s, p95 {p95(rtos):.2f} s, max {max(rtos):.2f} s"
            if rtos
            else "no failover (RTO n/a)"
        )
        # The product's 目標復旧時間 for this fault (objectives.recovery_seconds): every run must meet it.
        target = next((r["target"] for r in runs if r.get("target") is not None), None)
        goal = (
            f" (目標復旧時間 {target:g} s: {sum(1 for t in rtos if t <= target)}/{len(rtos)} met)"
            if target is not None and rtos
            else ""
        )
        print(
            f"  {label}: {len(runs)} runs; {timing}{goal}; two actives {doubled:.1f} s; "
            f"acknowledged saves {acked}, lost {lost}"
        )
    return 0 if returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
