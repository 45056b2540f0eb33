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

from oat.model import yamlfile
from oat.errors import LabError

DONE, FAILED, NOT_DONE, CANNOT = "成功", "失敗", "未実施", "実施不可"
STEP_PASSED, STEP_FAILED = "成功", "失敗"   # oat.record.evidence's step statuses
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
    scenarios: dict[str, list[str]] = {}
    for path in feature_files:
        current = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if (m := _SCENARIO.match(line)):
                current = scenarios.setdefault(m.group(1), [])
            elif current is not None and (m := _STEP.match(line)):
                current.append(m.group(1))
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


def trace(mapping: Mapping, results: list[dict]) -> list[Row]:
    """Each item of the document with its status in this run.

    results: the scenarios run, each {"folder", "scenario", "label", "outcome", "steps":
    [{"title", "status", "duration"}]} (label tells the examples of an outline apart)."""
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
        row = Row(item, DONE)
        for result in ran:
            if result["outcome"] == "cannot":
                row.evidence.append((result["label"], result["outcome"], []))
                if row.status == DONE:
                    row.status, row.reason = CANNOT, result["reason"]
                continue
            if result["outcome"] == "blocked":
                row.evidence.append((result["label"], result["outcome"], []))
                if row.status != FAILED:
                    row.status, row.reason = NOT_DONE, f"「{result['blocked_by']}」が失敗したため未実行"
                continue
            steps = [s for s in result["steps"] if not item.steps or any(t in s["title"] for t in item.steps)]
            row.evidence.append((result["label"], result["outcome"],
                                 [(s["title"], s["status"], s["duration"]) for s in steps]))
            statuses = {s["status"] for s in steps}
            if STEP_FAILED in statuses or (not steps and result["outcome"] == "failed"):
                row.status = FAILED
            elif row.status != FAILED and (not steps or statuses - {STEP_PASSED}):
                row.status, row.reason = NOT_DONE, "シナリオがこのステップの前で止まりました"
        if missing and row.status != FAILED:
            row.status = NOT_DONE
            row.reason = "このランで実行されていないシナリオ: " + "、".join(missing)
        rows.append(row)
    return rows


def counts(rows: list[Row]) -> dict[str, int]:
    found = {DONE: 0, FAILED: 0, NOT_DONE: 0, CANNOT: 0}
    for row in rows:
        found[row.status] += 1
    return found
