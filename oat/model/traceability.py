"""トレーサビリティ: each numbered step or heading of a document, and the scenarios and Gherkin
steps that carry it out, with their result in this run.

The mapping is data kept next to the features (features/FOLDER/traceability.yaml):

    document: 004_....txt
    title: 『…』
    items:
      - ref: インストール手順 (4)         # the document's own numbering
        text: JobCenter CL/Webの環境設定(運用系)
        scenarios: [<scenario name as written in the feature>, ...]
        steps: [<text picking the Gherkin steps of those scenarios>, ...]   # optional
        expected: what the document expects once the step is done (the 試験成績書's 期待結果)
        section: a heading of its own, for items beyond the document (障害試験)   # optional
      - ref: 動作確認手順 Windows
        text: …
        not_applicable: why the lab cannot do it
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from oat.errors import LabError
from oat.model import yamlfile
from oat.record.outcome import Outcome
from oat.record.outcome import counts as outcome_counts

# A documented step's status in a run (oat.record.outcome's words).
DONE, FAILED, ERROR, NOT_DONE, CANNOT, WAIVED = (Outcome.PASSED, Outcome.FAILED, Outcome.ERROR, Outcome.NOT_RUN,
                                                 Outcome.CANNOT, Outcome.WAIVED)
_SCENARIO = re.compile(r"^\s*(?:シナリオ|シナリオアウトライン|シナリオテンプレート):\s*(.+?)\s*$")
_STEP = re.compile(r"^\s*(?:前提|もし|ならば|かつ|しかし|\*)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Item:
    ref: str
    text: str
    scenarios: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    not_applicable: str = ""
    expected: str = ""
    section: str = ""  # a heading of its own (items beyond the document); "" for the document's


@dataclass(frozen=True)
class Mapping:
    folder: str          # the feature folder it belongs to (tengine, clweb)
    document: str
    title: str
    items: tuple[Item, ...]
    source: str = ""


@dataclass
class Row:
    item: Item
    status: str
    reason: str = ""
    # (scenario label, its result, [(step title, step status, seconds)])
    evidence: list[tuple[str, str, list[tuple[str, str, float]]]] = field(default_factory=list)


def load(path: Path) -> Mapping:
    path = Path(path)
    data = yamlfile.read(path, "traceability table")
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise LabError(f"{path}: items: expected a list of the document's steps")
    items = []
    for i, entry in enumerate(data["items"]):
        where = f"{path}: items[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("ref"), str) or not isinstance(entry.get("text"), str):
            raise LabError(f"{where}: needs the strings ref and text")
        unknown = set(entry) - {"ref", "text", "scenarios", "steps", "not_applicable", "expected", "section"}
        if unknown:
            raise LabError(f"{where}: unknown key {sorted(unknown)[0]}")
        lists = {}
        for key in ("scenarios", "steps"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise LabError(f"{where}.{key}: expected a list of strings")
            lists[key] = tuple(value)
        if entry.get("not_applicable") and lists["scenarios"]:
            raise LabError(f"{where}: either scenarios or not_applicable, not both")
        if not isinstance(entry.get("expected", ""), str):
            raise LabError(f"{where}.expected: expected a string")
        items.append(Item(entry["ref"], entry["text"], lists["scenarios"], lists["steps"],
                          str(entry.get("not_applicable") or ""), entry.get("expected", ""),
                          str(entry.get("section") or "")))
    return Mapping(path.parent.name, str(data.get("document", "")), str(data.get("title", "")),
                   tuple(items), str(path))


def check_against_features(mapping: Mapping, feature_files: list[Path]) -> list[str]:
    """What in the mapping names a scenario or step the features do not have."""
    scenarios = scenarios_of(feature_files)
    problems = []
    for item in mapping.items:
        for name in item.scenarios:
            if name not in scenarios:
                problems.append(f"{mapping.source}: {item.ref}: no scenario '{name}' in {mapping.folder}")
        steps = [s for name in item.scenarios for s in scenarios.get(name, [])]
        for text in item.steps:
            if not any(text in s for s in steps):
                problems.append(f"{mapping.source}: {item.ref}: no step with '{text}' in its scenarios")
    return problems


def scenarios_of(feature_files: list[Path]) -> dict[str, list[str]]:
    """Each scenario of the feature files, by its name as written, with its steps' texts."""
    scenarios: dict[str, list[str]] = {}
    for path in feature_files:
        current = None
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if (m := _SCENARIO.match(line)):
                current = scenarios.setdefault(m.group(1), [])
            elif current is not None and (m := _STEP.match(line)):
                current.append(m.group(1))
    return scenarios


def item_number(mapping: Mapping, index: int) -> str:
    """The 試験項目番号 of the mapping's item at `index` (0-based): FOLDER-001, FOLDER-002 …"""
    return f"{mapping.folder}-{index + 1:03d}"


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
                found.append((outcome, result.get("reason", "") if outcome == CANNOT
                               else f"「{result.get('blocked_by', '?')}」が失敗したため未実施"))
                continue
            steps = [s for s in result["steps"] if not item.steps or any(t in s["title"] for t in item.steps)]
            evidence.append((result["label"], result["outcome"],
                             [(s["title"], s["status"], s["duration"]) for s in steps]))
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
