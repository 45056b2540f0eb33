"""Flake rate of the 障害試験: the fault folder N times on one lab, with nothing wrong in the
product, and per scenario its passes out of N, its RTO spread and the cause of each failure.
A scenario that does not pass N of N is flaky: its cause is the suite's to fix (a bounded
wait on a condition, never a longer sleep).

    .venv/bin/python bench/flakes.py [N]        (default 10)

The clweb folder's procedure runs once to build the cluster, then every fault scenario N
times in a row (bench/fault_rounds.py); the lab is removed at the end, whatever happens.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict

from fault_rounds import run_rounds
from kept_lab import OUT, ROOT

ROUND = re.compile(r"\[(\d+)回目\]$")


def outcomes(junit: str) -> dict[str, list[tuple[int, str, str]]]:
    """Scenario -> [(round, passed|failed|error|skipped, first line of the cause)] of the fault feature."""
    found: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for case in ET.parse(junit).getroot().iter("testcase"):
        if "05_faults" not in case.get("classname", ""):
            continue
        name = case.get("name", "")
        number = ROUND.search(name)
        scenario = ROUND.sub("", name)
        verdict, cause = "passed", ""
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                verdict = {"failure": "failed"}.get(tag, tag)
                cause = (element.get("message") or element.text or "").strip().splitlines()[:1]
                cause = cause[0][:200] if cause else ""
                break
        found[scenario].append((int(number.group(1)) if number else 1, verdict, cause))
    return found


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    if rounds < 1:
        sys.exit("bench: N must be at least 1")
    OUT.mkdir(parents=True, exist_ok=True)
    measured, junit = OUT / "flakes.json", OUT / "flakes-junit.xml"
    started = time.monotonic()
    returncode = run_rounds(
        ROOT, rounds, measured, [f"--junitxml={junit}", f"--html={OUT / 'flakes.html'}", "--self-contained-html"]
    )
    if not junit.exists():
        sys.exit(f"bench: the run wrote no results (pytest exit {returncode})")
    rtos: dict[str, list[float]] = defaultdict(list)
    for m in json.loads(measured.read_text(encoding="utf-8")) if measured.exists() else []:
        if m["rto"] is not None:
            rtos[m["label"]].append(m["rto"])
    flaky = 0
    print(
        f"\n障害試験の不安定さ: {rounds} rounds per scenario in {time.monotonic() - started:.0f} s "
        f"(pytest exit {returncode}; report {OUT / 'flakes.html'})"
    )
    for scenario, runs in outcomes(str(junit)).items():
        passes = sum(1 for _, verdict, _ in runs if verdict == "passed")
        flaky += passes != len(runs)
        print(f"  {scenario}: {passes}/{len(runs)} passed")
        for number, verdict, cause in sorted(runs):
            if verdict != "passed":
                print(f"    round {number}: {verdict}: {cause}")
    for label, spread in rtos.items():
        print(
            f"  RTO of {label}: {len(spread)} measured; min {min(spread):.2f} / median "
            f"{statistics.median(spread):.2f} / max {max(spread):.2f} s"
        )
    print(f"flaky scenarios: {flaky}")
    return 0 if returncode == 0 and flaky == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
