"""oat.model.traceability (the documents' steps, the scenarios that carry them out) and
oat.record.trace (their results in a run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from oat.errors import LabError
from oat.model import traceability as tr
from oat.record import trace

ROOT = Path(__file__).resolve().parents[3]
FEATURES = ROOT / "features"

TABLE = """
document: guide.txt
title: ガイド
items:
  - ref: (1)
    text: 設計
    scenarios: [構築する]
    steps: [設計する]
  - ref: (2)
    text: 構築
    scenarios: [構築する]
    steps: [構築する]
  - ref: (3) Windows
    text: サービスを手動に
    not_applicable: Windows サーバはない
  - ref: (4)
    text: まだ誰もやらない
  - ref: (5)
    text: 別のシナリオ
    scenarios: [<部品> を止める]
"""


@pytest.fixture
def mapping(tmp_path) -> tr.Mapping:
    folder = tmp_path / "guide"
    folder.mkdir()
    (folder / "traceability.yaml").write_text(TABLE, encoding="utf-8")
    return tr.load(folder / "traceability.yaml")


def result(scenario, steps, outcome="passed", label=None):
    return {
        "folder": "guide",
        "scenario": scenario,
        "label": label or scenario,
        "outcome": outcome,
        "steps": [{"title": t, "status": s, "duration": 0.1} for t, s in steps],
    }


def test_every_item_gets_a_status(mapping):
    rows = trace.trace(mapping, [result("構築する", [("もし 設計する", "passed"), ("もし 構築する", "passed")])])
    assert [(r.item.ref, r.status) for r in rows] == [
        ("(1)", trace.DONE),
        ("(2)", trace.DONE),
        ("(3) Windows", trace.CANNOT),
        ("(4)", trace.NOT_DONE),
        ("(5)", trace.NOT_DONE),
    ]
    assert rows[2].reason == "Windows サーバはない"
    assert rows[3].reason == "この手順を実施するシナリオがありません"
    assert "このランで実行されていないシナリオ: <部品> を止める" == rows[4].reason


def test_only_the_picked_steps_are_shown_and_judged(mapping):
    rows = trace.trace(
        mapping, [result("構築する", [("もし 設計する", "passed"), ("もし 構築する", "failed")], "failed")]
    )
    assert rows[0].status == trace.DONE and rows[0].evidence[0][2] == [("もし 設計する", "passed", 0.1)]
    assert rows[1].status == "failed" and rows[1].status.word == "不合格"
    assert rows[1].status == trace.FAILED


def test_a_step_never_reached_is_not_done(mapping):
    rows = trace.trace(
        mapping, [result("構築する", [("もし 設計する", "failed"), ("もし 構築する", "not_run")], "failed")]
    )
    assert rows[0].status == trace.FAILED
    assert rows[1].status == trace.NOT_DONE and "止まりました" in rows[1].reason


def test_every_example_of_an_outline_counts(mapping):
    results = [
        result("<部品> を止める", [("もし DB を止める", "passed")], label="DB を止める"),
        result("<部品> を止める", [("もし キュー を止める", "failed")], "failed", label="キュー を止める"),
    ]
    row = trace.trace(mapping, results)[4]
    assert row.status == trace.FAILED
    assert [label for label, _, _ in row.evidence] == ["DB を止める", "キュー を止める"]


def test_results_of_another_folder_do_not_count(mapping):
    other = result("構築する", [("もし 設計する", "passed")])
    other["folder"] = "tengine"
    assert trace.trace(mapping, [other])[0].status == trace.NOT_DONE


def test_counts(mapping):
    assert trace.counts(trace.trace(mapping, [])) == {
        "合格": 0,
        "不合格": 0,
        "エラー": 0,
        "実施不可": 1,
        "免除": 0,
        "未実施": 4,
    }


def test_a_step_that_raised_is_an_error_and_a_failed_check_wins_over_it(mapping):
    erred = result("構築する", [("もし 設計する", "error"), ("もし 構築する", "not_run")], "error")
    erred["failure"] = {"headline": "エラーのステップ: 「もし 設計する」 — 原因: server 'db' does not answer"}
    rows = trace.trace(mapping, [erred])
    assert rows[0].status == trace.ERROR and rows[0].reason == erred["failure"]["headline"]
    assert rows[1].status == trace.NOT_DONE
    outline = [
        result("<部品> を止める", [("もし DB を止める", "error")], "error", label="DB を止める"),
        result("<部品> を止める", [("もし キュー を止める", "failed")], "failed", label="キュー を止める"),
    ]
    assert trace.trace(mapping, outline)[4].status == trace.FAILED


def test_a_waived_failure_makes_its_steps_waived_with_who_and_why(mapping):
    waived = result("構築する", [("もし 設計する", "passed"), ("もし 構築する", "failed")], "waived")
    waived["waiver"] = {"text": "既知の不具合 (承認: 山田、期限 2099-12-31)"}
    rows = trace.trace(mapping, [waived])
    assert [(r.status, r.reason) for r in rows[:2]] == [
        (trace.DONE, ""),
        (trace.WAIVED, "既知の不具合 (承認: 山田、期限 2099-12-31)"),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("items: 3", "items: expected a list"),
        ("items: [{ref: a}]", r"items\[0\]: needs the strings ref and text"),
        ("items: [{ref: a, text: b, scenario: [x]}]", r"items\[0\]: unknown key scenario"),
        ("items: [{ref: a, text: b, scenarios: x}]", r"items\[0\].scenarios: expected a list of strings"),
        ("items: [{ref: a, text: b, scenarios: [x], not_applicable: y}]", "either scenarios or not_applicable"),
        ("items: [{ref: a, text: b, expected: x, no_post_condition: y}]", "either expected or no_post_condition"),
        ("items: [{ref: a, text: b, no_post_condition: [y]}]", r"items\[0\].no_post_condition: expected a string"),
        ("items: [", "not valid YAML"),
    ],
)
def test_a_bad_table_names_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "traceability.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LabError, match=message):
        tr.load(path)


def test_a_step_that_states_no_post_condition_says_why(tmp_path):
    path = tmp_path / "traceability.yaml"
    path.write_text(
        "items: [{ref: (1), text: 設計する, scenarios: [構築する], no_post_condition: 紙の上の設計}]", encoding="utf-8"
    )
    item = tr.load(path).items[0]
    assert (item.expected, item.no_post_condition) == ("", "紙の上の設計")


def test_unknown_scenarios_and_steps_are_reported(mapping, tmp_path):
    feature = tmp_path / "x.feature"
    feature.write_text("# language: ja\n機能: x\n  シナリオ: 構築する\n    もし 設計する\n", encoding="utf-8")
    problems = tr.check_against_features(mapping, [feature])
    assert any("(2): no step with '構築する'" in p for p in problems)
    assert any("(5): no scenario '<部品> を止める'" in p for p in problems)


@pytest.mark.parametrize("folder", sorted(p.parent.name for p in FEATURES.glob("*/traceability.yaml")))
def test_the_shipped_tables_match_their_features(folder):
    mapping = tr.load(FEATURES / folder / "traceability.yaml")
    assert tr.check_against_features(mapping, sorted((FEATURES / folder).glob("*.feature"))) == []
