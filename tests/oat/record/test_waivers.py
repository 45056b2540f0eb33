"""oat.record.waivers: the waiver file read with one-line errors, and waivers applied to
scenarios and documented steps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from oat.model import traceability
from oat.record import trace
from oat.record.outcome import Outcome
from oat.record.waivers import WaiverError, Waivers, table

MAPPING = traceability.Mapping(
    "demo",
    "demo.txt",
    "デモ手順書",
    (
        traceability.Item("手順 1", "インストール", ("一つ目",)),
        traceability.Item("手順 2", "キューの起動", ("既知の不具合",), steps=("キュー",)),
        traceability.Item("手順 3", "確認", ("既知の不具合",), steps=("確認",)),
    ),
)

GOOD = """\
- scenario: demo/既知の不具合
  reason: 製品の既知の不具合 (BUG-42)
  approver: 山田 (運用課長)
  expires: 2030-06-30
- step: demo-003
  reason: 確認手順の誤り
  approver: 佐藤
  expires: "2030-01-31"
- step: demo/手順 1
  reason: 別の理由
  approver: 鈴木
  expires: 2029-12-31
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def result(scenario: str, fail_at: int | None = 1) -> dict:
    """前提, もし キュー…, ならば 確認…: failing (不合格) at `fail_at`, the steps after it not run."""
    titles = ["前提 サーバが用意されている", "もし キューを起動する", "ならば 確認できる"]
    steps = [
        {
            "title": t,
            "duration": 0.1,
            "status": "passed" if fail_at is None or i < fail_at else "failed" if i == fail_at else "not_run",
        }
        for i, t in enumerate(titles)
    ]
    return {
        "folder": "demo",
        "scenario": scenario,
        "label": scenario,
        "outcome": "passed" if fail_at is None else "failed",
        "steps": steps,
    }


def test_the_file_reads_as_waivers_naming_scenarios_and_documented_steps(tmp_path):
    waivers = Waivers.load(write(tmp_path, GOOD))
    assert [(w.kind, w.folder, w.name, w.expires, w.numbered) for w in waivers.entries] == [
        ("scenario", "demo", "既知の不具合", "2030-06-30", False),
        ("step", "demo", "3", "2030-01-31", True),
        ("step", "demo", "手順 1", "2029-12-31", False),
    ]
    first = waivers.entries[0]
    assert first.item == "scenario demo/既知の不具合" and waivers.entries[1].item == "step demo-003"
    assert first.text == "製品の既知の不具合 (BUG-42) (承認: 山田 (運用課長)、期限 2030-06-30)"


def test_no_file_no_waivers_unless_it_was_asked_for(tmp_path):
    assert Waivers.load(tmp_path / "waivers.yaml").entries == ()
    with pytest.raises(WaiverError, match="waiver file not found"):
        Waivers.load(tmp_path / "waivers.yaml", required=True)
    assert Waivers.load(write(tmp_path, "# none yet\n")).entries == ()


@pytest.mark.parametrize(
    "text, message",
    [
        ("- scenario: demo/x\n  reason: r\n  expires: 2030-01-01\n", "entry 1 (scenario demo/x): approver is missing"),
        ("- scenario: demo/x\n  reason: r\n  approver: a\n", "entry 1 (scenario demo/x): expires is missing"),
        (
            "- scenario: demo/x\n  reason: r\n  approver: a\n  expires: 2030-02-30\n",
            "entry 1 (scenario demo/x): expires: '2030-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            "- scenario: demo/x\n  reason: r\n  approver: a\n  expires: next year\n",
            "entry 1 (scenario demo/x): expires: 'next year' is not a date (YYYY-MM-DD)",
        ),
        (
            "- scenario: demo/x\n  reason: r\n  approver: a\n  expires: 2030-01-01\n  approved_by: b\n",
            "entry 1 (scenario demo/x): unknown key 'approved_by'",
        ),
        ("- reason: r\n  approver: a\n  expires: 2030-01-01\n", "entry 1: needs exactly one of scenario"),
        ("- scenario: demo/x\n  step: demo-001\n  reason: r\n  approver: a\n  expires: 2030-01-01\n", "not both"),
        (
            "- scenario: x\n  reason: r\n  approver: a\n  expires: 2030-01-01\n",
            "entry 1 (scenario x): scenario: 'x' names no feature folder",
        ),
        (
            "- scenario: demo/x\n  reason: ''\n  approver: a\n  expires: 2030-01-01\n",
            "entry 1 (scenario demo/x): reason: expected text",
        ),
        ("scenario: demo/x\n", "expected a list of waivers"),
        ("- [", "not valid YAML: "),
    ],
)
def test_a_malformed_file_is_one_line_naming_the_file_the_entry_and_the_field(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(WaiverError) as error:
        Waivers.load(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
    assert "\n" not in str(error.value) and error.value.exit_code == 7


def test_entries_are_numbered_from_the_top_of_the_file(tmp_path):
    with pytest.raises(WaiverError, match=r"entry 4 \(scenario demo/x\): approver is missing"):
        Waivers.load(write(tmp_path, GOOD + "- scenario: demo/x\n  reason: r\n  expires: 2030-01-01\n"))


def test_an_expired_waiver_is_one_line_naming_it(tmp_path):
    waivers = Waivers.load(write(tmp_path, GOOD))
    assert waivers.expiry_error(dt.date(2029, 12, 31)) is None  # the expiry day itself still holds
    error = waivers.expiry_error(dt.date(2030, 2, 1))
    assert str(error) == (
        f"{tmp_path / 'waivers.yaml'}: entry 2 (step demo-003): expired on 2030-01-31 "
        "(approved by 佐藤): renew or remove it (and 1 more: entry 3)"
    )


def test_a_waiver_naming_nothing_of_the_project_is_found(tmp_path):
    waivers = Waivers.load(
        write(
            tmp_path,
            GOOD + "- scenario: demo/ない\n  reason: r\n  approver: a\n"
            "  expires: 2030-01-01\n- step: demo-009\n  reason: r\n"
            "  approver: a\n  expires: 2030-01-01\n",
        )
    )
    unknown = waivers.unknown({"demo": ["一つ目", "既知の不具合"]}, {"demo": MAPPING})
    assert [w.number for w in unknown] == [4, 5]


def test_a_failed_scenario_is_waived_by_its_own_waiver_or_by_those_of_every_step_it_fails(tmp_path):
    waivers = Waivers.load(write(tmp_path, GOOD))
    assert [w.number for w in waivers.for_result(result("既知の不具合"), MAPPING)] == [1]
    only_steps = Waivers(waivers.path, waivers.entries[1:])
    # It fails 手順 2 (the キュー step): 手順 3's waiver does not cover that.
    assert only_steps.for_result(result("既知の不具合"), MAPPING) == []
    # Failing at the 確認 step, it fails 手順 3 only, which is waived.
    assert [w.number for w in only_steps.for_result(result("既知の不具合", fail_at=2), MAPPING)] == [2]


def test_documented_steps_waived_and_waivers_no_longer_needed(tmp_path):
    waivers = Waivers.load(write(tmp_path, GOOD))
    rows = trace.trace(MAPPING, [result("一つ目", None), result("既知の不具合", fail_at=2)])
    assert [row.status for row in rows] == [Outcome.PASSED, Outcome.PASSED, Outcome.FAILED]
    applied = waivers.apply(MAPPING, rows)
    assert [row.status for row in applied] == [Outcome.PASSED, Outcome.PASSED, Outcome.WAIVED]
    assert applied[2].reason == "確認手順の誤り (承認: 佐藤、期限 2030-01-31)"
    assert applied[0].reason == "合格したため免除は不要です: step demo/手順 1 (エントリ 3)"
    listed = table(waivers, [], [(MAPPING, applied)], [])
    assert [w["status"] for w in listed] == ["このランでは対象外", "適用 (1 件)", "不要 (合格)"]
