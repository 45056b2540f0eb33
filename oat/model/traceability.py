"""トレーサビリティ: each numbered step or heading of a document, and the scenarios and Gherkin
steps that carry it out (their status in a run is oat.record.trace's).

The mapping is data kept next to the features (features/FOLDER/traceability.yaml):

    document: 004_....txt
    title: 『…』
    no_mutants: why no product of this document can be mutated (an example runbook)   # optional
    items:
      - ref: インストール手順 (4)         # the document's own numbering
        text: JobCenter CL/Webの環境設定(運用系)
        scenarios: [<scenario name as written in the feature>, ...]
        steps: [<text picking the Gherkin steps of those scenarios>, ...]   # optional
        expected: what the document expects once the step is done (the 試験成績書's 期待結果)
        section: a heading of its own, for items beyond the document (障害試験)   # optional
      - ref: インストール手順 (1)
        text: クラスタシステムの設計
        scenarios: [...]
        no_post_condition: why the step leaves nothing to check (instead of expected)
      - ref: 動作確認手順 Windows
        text: …
        not_applicable: why the lab cannot do it
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from oat.errors import LabError
from oat.model import yamlfile

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
    no_post_condition: str = ""  # why the step states no post-condition (it has no expected)


@dataclass(frozen=True)
class Mapping:
    folder: str  # the feature folder it belongs to (tengine, clweb)
    document: str
    title: str
    items: tuple[Item, ...]
    source: str = ""
    no_mutants: str = ""  # why the mutation check does not cover this document ("": it does)


def load(path: Path) -> Mapping:
    path = Path(path)
    data = yamlfile.read(path, "traceability table")
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise LabError(f"{path}: items: expected a list of the document's steps")
    items = []
    for i, entry in enumerate(data["items"]):
        where = f"{path}: items[{i}]"
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("ref"), str)
            or not isinstance(entry.get("text"), str)
        ):
            raise LabError(f"{where}: needs the strings ref and text")
        unknown = set(entry) - {
            "ref",
            "text",
            "scenarios",
            "steps",
            "not_applicable",
            "expected",
            "section",
            "no_post_condition",
        }
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
        for key in ("expected", "no_post_condition"):
            if not isinstance(entry.get(key, ""), str):
                raise LabError(f"{where}.{key}: expected a string")
        if entry.get("expected") and entry.get("no_post_condition"):
            raise LabError(f"{where}: either expected or no_post_condition, not both")
        items.append(
            Item(
                entry["ref"],
                entry["text"],
                lists["scenarios"],
                lists["steps"],
                str(entry.get("not_applicable") or ""),
                entry.get("expected", ""),
                str(entry.get("section") or ""),
                entry.get("no_post_condition", ""),
            )
        )
    return Mapping(
        path.parent.name,
        str(data.get("document", "")),
        str(data.get("title", "")),
        tuple(items),
        str(path),
        str(data.get("no_mutants") or ""),
    )


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
            if m := _SCENARIO.match(line):
                current = scenarios.setdefault(m.group(1), [])
            elif current is not None and (m := _STEP.match(line)):
                current.append(m.group(1))
    return scenarios


def item_number(mapping: Mapping, index: int) -> str:
    """The 試験項目番号 of the mapping's item at `index` (0-based): FOLDER-001, FOLDER-002 …"""
    return f"{mapping.folder}-{index + 1:03d}"
