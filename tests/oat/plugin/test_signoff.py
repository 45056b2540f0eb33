"""What an operations team signs, through the plugin, on a project of its own (features/,
pytest.ini, waivers.yaml) whose steps use no server, so no lab and no Docker engine:

- a waived failure passes the gate (exit 0) and shows as 免除 in every output; once expired,
  the same waiver stops the run with one line; a malformed waiver file too, before anything;
- a scenario that failed once and passed once on the same commit is 不安定 in the report and
  in `oat history`;
- an interrupted run's verdict is 中断, with the signal and the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[3]

CONFTEST = """
pytest_plugins = ["oat.plugin.lab", "oat.plugin.web", "oat.plugin.waivers", "oat.plugin.report",
                  "oat.plugin.procedure", "oat.plugin.features"]
import os
import signal
from pathlib import Path

from pytest_bdd import given, parsers, then

from oat.plugin import lab


def _prepare(self, folders):  # no engine to ask: these steps use no server
    print(f"[test] no engine asked for {folders}")


lab.Labs.prepare = _prepare


@given("サーバが用意されている")
def ready():
    pass


@then(parsers.parse('"{service}" サービスが起動している'))
def running(service):
    assert service != "rabbitmq-server", f"{service} is not running on queue (inactive)"


@then("一度目だけ失敗する")
def once():
    marker = Path("marker")
    if not marker.exists():
        marker.write_text("ran", encoding="utf-8")
        raise AssertionError("the first run fails")


@then("実行が止められる")
def stopped():
    os.kill(os.getpid(), signal.SIGTERM)
"""

FEATURE = """# language: ja
機能: デモの手順
  シナリオ: 一つ目
    前提 サーバが用意されている
    ならば "postgresql" サービスが起動している

  シナリオ: 既知の不具合
    前提 サーバが用意されている
    ならば "rabbitmq-server" サービスが起動している

  シナリオ: 三つ目
    前提 サーバが用意されている
    ならば "nginx" サービスが起動している
"""

TRACEABILITY = """document: demo.txt
title: デモ手順書
items:
  - ref: 手順 1
    text: データベースの起動
    scenarios: [一つ目]
  - ref: 手順 2
    text: キューの起動
    scenarios: [既知の不具合]
  - ref: 手順 3
    text: ウェブの起動
    scenarios: [三つ目]
"""

WAIVERS = """- scenario: demo/既知の不具合
  reason: 製品の既知の不具合 (BUG-42)、次版で修正
  approver: 山田 (運用課長)
  expires: {expires}
- scenario: demo/一つ目
  reason: 以前の不具合
  approver: 佐藤
  expires: 2999-12-31
- step: demo/手順 9
  reason: 手順書の誤記
  approver: 鈴木
  expires: 2999-12-31
"""

REASON = "製品の既知の不具合 (BUG-42)、次版で修正 (承認: 山田 (運用課長)、期限 2999-12-31)"


@pytest.fixture
def project(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makeini("[pytest]\n")
    pytester.makeconftest(CONFTEST)
    (pytester.path / "features" / "demo").mkdir(parents=True)
    (pytester.path / "features" / "demo" / "01_demo.feature").write_text(FEATURE, encoding="utf-8")
    (pytester.path / "features" / "demo" / "traceability.yaml").write_text(TRACEABILITY, encoding="utf-8")
    return pytester


def run(project, *args):
    return project.runpytest_subprocess("-p", "no:oat", "-p", "no:cacheprovider", *args)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_waived_failure_passes_the_gate_and_shows_as_waived_in_every_output(project, workers):
    (project.path / "waivers.yaml").write_text(WAIVERS.format(expires="2999-12-31"), encoding="utf-8")
    result = run(project, *workers)
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=2)
    out = result.stdout.str()
    # The terminal: pytest's own count, oat's line, each waiver's.
    result.stdout.fnmatch_lines(["*2 passed, 1 waived*"])
    assert "[oat] 判定 合格: 合格 2 ・ 不合格 0 ・ エラー 0 ・ 実施不可 0 ・ 免除 1 ・ 未実施 0" in out.splitlines()
    assert f"[oat] 免除: demo/既知の不具合: {REASON}" in out.splitlines()
    assert "[oat] demo/一つ目: 合格したため免除は不要です: scenario demo/一つ目 (エントリ 2)" in out.splitlines()
    warning = [line for line in out.splitlines() if line.startswith("[oat] warning:")]
    assert warning == [
        f"[oat] warning: {project.path / 'waivers.yaml'}: entry 3 (step demo/手順 9) names no "
        "scenario or documented step of the project: it waives nothing"
    ]
    reports = project.path / "reports"

    html = (reports / "report.html").read_text(encoding="utf-8")
    assert "判定: 合格" in html and "免除</td><td>1</td>" in html
    # The cover's table of waivers: what, why, who, until when, what it did, the failure it waived.
    assert (
        "<tr><td>scenario demo/既知の不具合</td><td>製品の既知の不具合 (BUG-42)、次版で修正</td><td>山田 (運用課長)</td>"
        "<td>2999-12-31</td><td>適用 (1 件)</td><td>既知の不具合: 不合格のステップ: 「ならば &quot;rabbitmq-server&quot; "
        "サービスが起動している」 — 原因: rabbitmq-server is not running on queue (inactive)</td></tr>"
    ) in html
    assert '<td class="oat-waived">免除</td><td>' + REASON in html  # the documented step 手順 2
    assert "対象なし (プロジェクトにない項目)" in html and "不要 (合格)" in html and "適用 (1 件)" in html

    book = load_workbook(reports / "試験成績書.xlsx")
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "免除" in cells  # the 判定 of 手順 2
    assert any(REASON in c for c in cells)  # with its reason and approver
    assert (
        next(
            row[i + 1]
            for row in book["表紙"].iter_rows(values_only=True)
            for i, v in enumerate(row[:-1])
            if v == "判定"
        )
        == "合格"
    )

    suite = ET.parse(reports / "junit.xml").getroot()
    assert suite.find("testsuite").get("failures") == "0"
    case = next(c for c in suite.iter("testcase") if c.get("name") == "test_既知の不具合")
    assert case.find("skipped").get("message").startswith('免除: 不合格のステップ: 「ならば "rabbitmq-server" サービス')
    assert REASON in case.find("skipped").get("message")
    properties = {
        p.get("name"): p.get("value")
        for c in suite.iter("testcase")
        for p in c.iter("property")
        if c.get("name") == "test_既知の不具合"
    }
    assert properties == {"oat.outcome": "免除"}

    cucumber = json.loads((reports / "cucumber.json").read_text(encoding="utf-8"))
    tags = {e["name"]: [t["name"] for t in e["tags"]] for f in cucumber for e in f["elements"]}
    assert tags == {
        "一つ目": ["oat-outcome:合格"],
        "既知の不具合": ["oat-outcome:免除"],
        "三つ目": ["oat-outcome:合格"],
    }

    record = json.loads((reports / "oat-run.json").read_text(encoding="utf-8"))
    assert record["cover"]["verdict"] == "passed" and record["exitstatus"] == 0
    assert record["cover"]["counts"]["免除"] == 1
    waived = next(r for r in record["results"] if r["scenario"] == "既知の不具合")
    assert (waived["outcome"], waived["waived"], waived["waiver"]["text"]) == ("waived", "failed", REASON)
    assert [w["number"] for w in record["waivers"]] == [1, 2, 3]

    merged = subprocess.run(
        [sys.executable, "-m", "oat.cli", "merge", "reports", "--out", "merged"],
        cwd=project.path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "判定 合格: 合格 2 ・ 不合格 0 ・ エラー 0 ・ 実施不可 0 ・ 免除 1 ・ 未実施 0" in merged.stdout
    merged_html = (project.path / "merged" / "report.html").read_text(encoding="utf-8")
    assert '<td class="oat-waived">免除</td><td>' + REASON in merged_html


def test_the_same_waiver_once_expired_stops_the_run_with_one_line(project):
    (project.path / "waivers.yaml").write_text(WAIVERS.format(expires="2000-01-31"), encoding="utf-8")
    result = run(project)
    assert result.ret == 7
    lines = [line for line in result.stdout.lines + result.stderr.lines if "waivers.yaml" in line]
    assert (
        len(lines) == 1
        and (
            f"oat: {project.path / 'waivers.yaml'}: entry 1 (scenario demo/既知の不具合): "
            "expired on 2000-01-31 (approved by 山田 (運用課長)): renew or remove it"
        )
        in lines[0]
    )
    assert "[test] no engine asked" not in result.stdout.str() and "passed" not in result.stdout.str()


@pytest.mark.parametrize(
    "change, message",
    [
        (("  approver: 山田 (運用課長)\n", ""), "entry 1 (scenario demo/既知の不具合): approver is missing"),
        (
            ("  expires: 2999-12-31\n", "  expires: 2999-02-30\n"),
            "entry 1 (scenario demo/既知の不具合): expires: '2999-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            ("  reason: 以前の不具合\n", "  reason: 以前の不具合\n  ticket: BUG-7\n"),
            "entry 2 (scenario demo/一つ目): unknown key 'ticket'",
        ),
    ],
)
def test_a_malformed_waiver_file_is_one_line_before_anything(project, change, message):
    text = WAIVERS.format(expires="2999-12-31").replace(*change, 1)
    (project.path / "waivers.yaml").write_text(text, encoding="utf-8")
    result = run(project)
    assert result.ret == 7
    lines = [line for line in result.stdout.lines + result.stderr.lines if "waivers.yaml" in line]
    assert len(lines) == 1 and f"oat: {project.path / 'waivers.yaml'}: {message}" in lines[0], lines
    assert "[test] no engine asked" not in result.stdout.str()


def test_a_failure_waived_by_its_documented_step_s_number(project):
    (project.path / "waivers.yaml").write_text(
        "- step: demo-002\n  reason: キューは別途確認\n  approver: 山田\n  expires: 2999-12-31\n", encoding="utf-8"
    )
    result = run(project, "--junitxml=j.xml")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["[[]oat[]] 免除: demo/既知の不具合: キューは別途確認 (承認: 山田、期限 2999-12-31)"])


FLAKY = """# language: ja
機能: 不安定
  シナリオ: 安定
    前提 サーバが用意されている
    ならば "postgresql" サービスが起動している

  シナリオ: ゆらぐ
    前提 サーバが用意されている
    ならば 一度目だけ失敗する
"""


def test_a_scenario_that_failed_once_on_the_same_commit_is_unstable_in_the_report_and_in_oat_history(project):
    (project.path / "features" / "demo" / "01_demo.feature").write_text(FLAKY, encoding="utf-8")
    (project.path / "features" / "demo" / "traceability.yaml").unlink()
    (project.path / ".gitignore").write_text("reports/\nmarker\n", encoding="utf-8")
    git = ["git", "-c", "user.name=oat", "-c", "user.email=oat@example.invalid"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the project"]):
        subprocess.run([*git, *command], cwd=project.path, check=True, capture_output=True)
    first, second = run(project), run(project)
    assert (first.ret, second.ret) == (1, 0)
    assert "不安定" not in first.stdout.str()
    flagged = [line for line in second.stdout.lines if "不安定" in line]
    assert len(flagged) == 1 and flagged[0].startswith("[oat] demo/ゆらぐ: 不安定 (commit ")
    assert flagged[0].endswith(": 不合格 1、合格 1)")
    html = (project.path / "reports" / "report.html").read_text(encoding="utf-8")
    strip = html[html.index("実行履歴") :]
    assert strip.count('class="oat-run oat-failed"') == 1 and strip.count('class="oat-run oat-passed"') == 3
    assert html.count("不安定 (commit ") == 1
    assert len(list((project.path / "reports" / "history").glob("*.json"))) == 2

    shown = subprocess.run(
        [sys.executable, "-m", "oat.cli", "history"],
        cwd=project.path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("oat history: reports/history: 2 runs from ")
    assert lines[1].startswith("demo/安定: ○ ○  (") and "不安定" not in lines[1]
    assert lines[2].startswith("demo/ゆらぐ: × ○  (") and lines[2].endswith(": 不合格 1、合格 1)")
    missing = subprocess.run(
        [sys.executable, "-m", "oat.cli", "history", "nowhere"],
        cwd=project.path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert missing.returncode == 2 and missing.stderr.startswith("oat: history: nowhere: no run history here")


STOPPED = """# language: ja
機能: 止められる
  シナリオ: 一つ目
    前提 サーバが用意されている
    ならば "postgresql" サービスが起動している

  シナリオ: 止められる
    前提 サーバが用意されている
    ならば 実行が止められる
"""


def test_an_interrupted_run_says_so_with_the_signal_and_the_time(project):
    (project.path / "features" / "demo" / "01_demo.feature").write_text(STOPPED, encoding="utf-8")
    result = run(project)
    assert result.ret == 2
    result.stdout.re_match_lines(
        [r"\[oat\] 判定 中断 \(SIGTERM、\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\): 合格 1 ・ 不合格 0 .*"]
    )
    html = (project.path / "reports" / "report.html").read_text(encoding="utf-8")
    assert "判定: 中断" in html and "<li>中断: SIGTERM (" in html and "判定: 不合格" not in html
    record = json.loads((project.path / "reports" / "oat-run.json").read_text(encoding="utf-8"))
    assert record["cover"]["verdict"] == "interrupted" and record["cover"]["interrupted"]["signal"] == "SIGTERM"
