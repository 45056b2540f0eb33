"""Each step of a document with its status in one run: the document's traceability
(oat.model.traceability) judged against the scenarios the run recorded."""

from __future__ import annotations

from dataclasses import dataclass, field

from oat.model.traceability import Item, Mapping
from oat.record.outcome import Outcome
from oat.record.outcome import counts as outcome_counts

# A documented step's status in a run (oat.record.outcome's words).
DONE, FAILED, ERROR, NOT_DONE, CANNOT, WAIVED = (
    Outcome.PASSED,
    Outcome.FAILED,
    Outcome.ERROR,
    Outcome.NOT_RUN,
    Outcome.CANNOT,
    Outcome.WAIVED,
)


@dataclass
class Row:
    item: Item
    status: str
    reason: str = ""
    # (scenario label, its result, [(step title, step status, seconds)])
    evidence: list[tuple[str, str, list[tuple[str, str, float]]]] = field(default_factory=list)


def trace(mapping: Mapping, results: list[dict]) -> list[Row]:
    """Each item of the document with its status in this run.

    results: the scenarios run, each {"folder", "scenario", "label", "outcome", "steps":
    [{"title", "status", "duration"}]} (label tells the examples of an outline apart; a waived
    scenario's "waiver" holds the text that says by whom and why).

    An item's status, the first that holds: 不合格 (a step it picks failed a check), エラー (one
    raised anything else), 未実施 (one was not reached, a scenario was not run), 免除 (its
    failure is waived), 実施不可, 合格."""
    rows = []
    for item in mapping.items:
        if item.not_applicable:
            rows.append(Row(item, CANNOT, item.not_applicable))
            continue
        if not item.scenarios:
            rows.append(Row(item, NOT_DONE, "この手順を実施するシナリオがありません"))
            continue
        ran = [r for r in results if r["folder"] == mapping.folder and r["scenario"] in item.scenarios]
        missing = [name for name in item.scenarios if not any(r["scenario"] == name for r in ran)]
        found: list[tuple[Outcome, str]] = []
        evidence = []
        for result in ran:
            outcome = Outcome.of(result["outcome"])
            if outcome in (CANNOT, NOT_DONE):
                evidence.append((result["label"], result["outcome"], []))
                found.append(
                    (
                        outcome,
                        result.get("reason", "")
                        if outcome == CANNOT
                        else f"「{result.get('blocked_by', '?')}」が失敗したため未実施",
                    )
                )
                continue
            steps = [s for s in result["steps"] if not item.steps or any(t in s["title"] for t in item.steps)]
            evidence.append(
                (result["label"], result["outcome"], [(s["title"], s["status"], s["duration"]) for s in steps])
            )
            statuses = {Outcome.of(s["status"]) for s in steps}
            failed = next((o for o in (FAILED, ERROR) if o in statuses), None)
            if failed is None and not steps and outcome.failing:
                failed = outcome
            if failed is None and not steps and outcome == WAIVED:
                failed = Outcome.of(result.get("waived", FAILED))
            if failed is not None:
                if outcome == WAIVED:
                    found.append((WAIVED, result.get("waiver", {}).get("text", "")))
                else:
                    found.append((failed, result.get("failure", {}).get("headline", "")))
            elif not steps or statuses - {DONE}:
                found.append((NOT_DONE, "シナリオがこのステップの前で止まりました"))
        if missing:
            found.append((NOT_DONE, "このランで実行されていないシナリオ: " + "、".join(missing)))
        status, reason = min(found, key=lambda f: _RANK[f[0]]) if found else (DONE, "")
        rows.append(Row(item, status, reason, evidence))
    return rows


# Which status an item takes when its scenarios differ: the first in this order.
_RANK = {FAILED: 0, ERROR: 1, NOT_DONE: 2, WAIVED: 3, CANNOT: 4, DONE: 5}


def counts(rows: list[Row]) -> dict[str, int]:
    """Every outcome's word with the number of documented steps that ended in it."""
    return outcome_counts(row.status for row in rows)
