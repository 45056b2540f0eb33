"""The report plugin end to end, on a small feature with local steps (no lab): the failing
step opens the report, its first screen is Japanese, and cucumber.json / junit.xml /
report.html / the 試験成績書 stay complete under pytest-xdist."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[3]

CONFTEST = """
pytest_plugins = ["oat.plugin.lab", "oat.plugin.web", "oat.plugin.report"]
from pytest_bdd import given, then, parsers

@given("サーバが用意されている")
def ready():
    pass

@then(parsers.parse('"{service}" サービスが起動している'))
def running(service):
    assert service == "postgresql", f"{service} is not running on db (inactive)"
"""

FEATURE = """# language: ja
機能: 報告書の確認
  シナリオ: 起動しているサービス
    前提 サーバが用意されている
    ならば "postgresql" サービスが起動している

  シナリオ: 停止しているサービス
    前提 サーバが用意されている
    ならば "rabbitmq-server" サービスが起動している
"""


@pytest.fixture
def project(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".feature", report=FEATURE)
    pytester.makepyfile(test_report='from pytest_bdd import scenarios\nscenarios("report.feature")\n')
    return pytester


@pytest.mark.parametrize("workers", [[], ["-n", "2", "--dist", "load"]], ids=["serial", "xdist"])
def test_the_failure_comes_first_and_every_file_is_complete(project, workers):
    result = project.runpytest_subprocess(
        "-p",
        "no:oat",
        *workers,
        "--html=r.html",
        "--self-contained-html",
        "--cucumberjson=c.json",
        "--junitxml=j.xml",
        "--workbook=w.xlsx",
    )
    result.assert_outcomes(passed=1, failed=1)
    html = (project.path / "r.html").read_text(encoding="utf-8")
    verdict = html.index("判定: 不合格")
    headline = html.index("不合格のステップ: 「ならば &quot;rabbitmq-server&quot; サービスが起動している」")
    assert verdict < headline < html.index('class="oat-scenario"')
    # oat's own page, not pytest-html's (installed or not, it writes nothing).
    assert "Report generated on" not in html and "<h2>Summary</h2>" not in html and "data-jsonblob" not in html
    assert (
        verdict < html.index("シナリオ</th><th>件数") < html.index("実施環境") < html.index("<h2>シナリオ (2 件)</h2>")
    )
    scenarios = html.split('<section class="oat-scenario"')[1:]
    assert len(scenarios) == 2 and all('<table class="oat-steps">' in s for s in scenarios)
    # pytest's own traceback of the failure, folded under its scenario.
    failed = next(s for s in scenarios if "停止しているサービス" in s)
    assert "pytest の出力" in failed and "AssertionError: rabbitmq-server is not running on db" in failed
    result.stdout.fnmatch_lines(["[[]oat[]] report: r.html (*MB); writing it took * s of the run's *"])
    result.stdout.fnmatch_lines(["[[]oat[]] 試験成績書: w.xlsx (*MB); writing it took * s of the run's *"])
    book = load_workbook(project.path / "w.xlsx")
    assert {"表紙", "試験項目"} <= set(book.sheetnames) and book.sheetnames[-2:] == ["E001", "E002"]
    evidence = [
        [c for c in row if c is not None] for ws in book.worksheets[-2:] for row in ws.iter_rows(values_only=True)
    ]
    assert any(row[:3] == [2, 'ならば "rabbitmq-server" サービスが起動している', "不合格"] for row in evidence)
    assert "rabbitmq-server is not running on db (inactive)" in html
    cucumber = json.loads((project.path / "c.json").read_text(encoding="utf-8"))
    assert sorted(e["name"] for f in cucumber for e in f["elements"]) == [
        "停止しているサービス",
        "起動しているサービス",
    ]
    cases = ET.parse(project.path / "j.xml").getroot().iter("testcase")
    assert sorted(c.get("name") for c in cases) == ["test_停止しているサービス", "test_起動しているサービス"]


BROWSER_CONFTEST = """
pytest_plugins = ["oat.plugin.lab", "oat.plugin.web", "oat.plugin.report"]
from pytest_bdd import given, then

@given("ブラウザで画面を開いている")
def opened(browser, tmp_path):
    page = tmp_path / "screen.html"
    page.write_text("<h1>セッションの有効期限が切れました</h1>", encoding="utf-8")
    browser.new_page().goto(page.as_uri())

@then("ログイン画面が表示される")
def login_shown(browser):
    heading = browser.contexts[0].pages[0].inner_text("h1")
    assert heading == "ログイン", f"the page shows {heading!r}"
"""

BROWSER_FEATURE = """# language: ja
機能: 画面の確認
  シナリオ: ログイン画面
    前提 ブラウザで画面を開いている
    ならば ログイン画面が表示される
"""


def test_a_failing_browser_step_puts_the_screen_in_the_report(pytester, monkeypatch):
    """A real headless Chromium on a local file: the screen as it was when the check failed
    is under the failing step, and on the cover next to the failure."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(BROWSER_CONFTEST)
    pytester.makefile(".feature", screen=BROWSER_FEATURE)
    pytester.makepyfile(test_screen='from pytest_bdd import scenarios\nscenarios("screen.feature")\n')
    result = pytester.runpytest_subprocess("-p", "no:oat", "--html=r.html", "--self-contained-html")
    result.assert_outcomes(failed=1)
    html = (pytester.path / "r.html").read_text(encoding="utf-8")
    headline = html.index("不合格のステップ: 「ならば ログイン画面が表示される」")
    shot = html.index("失敗時の ブラウザの画面 (file://", headline)
    assert html.index('src="data:image/png;base64,', shot) < html.index('class="oat-scenario"')
    assert "the page shows &#x27;セッションの有効期限が切れました&#x27;" in html


PROCEDURE_FEATURE = """# language: ja
機能: 手順
  シナリオ: 一つ目
    前提 サーバが用意されている
  シナリオ: 二つ目
    ならば "rabbitmq-server" サービスが起動している
  シナリオ: 三つ目
    前提 サーバが用意されている
"""


@pytest.mark.parametrize("keep_going", [False, True], ids=["blocked", "keep-going"])
def test_after_a_failure_the_folder_s_later_scenarios_are_not_run_and_say_why(pytester, monkeypatch, keep_going):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(CONFTEST.replace('"oat.plugin.report"]', '"oat.plugin.report", "oat.plugin.procedure"]'))
    pytester.makefile(".feature", procedure=PROCEDURE_FEATURE)
    pytester.makepyfile(test_procedure='from pytest_bdd import scenarios\nscenarios("procedure.feature")\n')
    result = pytester.runpytest_subprocess(
        "-p",
        "no:oat",
        "--html=r.html",
        "--self-contained-html",
        "--workbook=w.xlsx",
        "-rs",
        *(["--keep-going"] if keep_going else []),
    )
    html = (pytester.path / "r.html").read_text(encoding="utf-8")
    if keep_going:
        result.assert_outcomes(passed=2, failed=1)
        assert "未実施</td><td>0</td>" in html
        return
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    assert "未実施</td><td>1</td>" in html
    assert "三つ目 ← 「二つ目」の失敗" in html
    assert html.index("不合格: 二つ目") < html.index("三つ目 ← 「二つ目」の失敗")
    result.stdout.fnmatch_lines(["*SKIPPED*未実施: 同じラボで先に実行したシナリオ「二つ目」が不合格だったため*"])
    evidence = load_workbook(pytester.path / "w.xlsx")["E003"]
    assert evidence["A3"].value == "未実施: 同じラボで先に実行した「二つ目」が失敗したため"


SAFETY_CONFTEST = """
pytest_plugins = ["oat.plugin.lab", "oat.plugin.web", "oat.plugin.report", "oat.plugin.procedure"]
from types import SimpleNamespace
from pytest_bdd import given, when
from oat.plugin.lab import labs_key
from oat.model.safety import disruptive

def pytest_configure(config):
    # Servers of an inventory that does not declare them disposable (no SSH needed here).
    config.stash[labs_key].inventory = SimpleNamespace(disposable=False, path="inventory.yaml", labs={})

@given("サーバが用意されている")
def ready():
    pass

@when("サーバを再起動する")
@disruptive
def reboot():
    raise AssertionError("a disruptive step ran on servers that are not disposable")
"""

SAFETY_FEATURE = """# language: ja
機能: 安全
  シナリオ: 確認だけ
    前提 サーバが用意されている

  @破壊的
  シナリオ: 再起動 (タグあり)
    もし サーバを再起動する

  シナリオ: 再起動 (タグなし)
    もし サーバを再起動する
"""


def test_on_servers_not_disposable_disruption_is_left_out_or_stopped(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(SAFETY_CONFTEST)
    pytester.makefile(".feature", safety=SAFETY_FEATURE)
    pytester.makepyfile(test_safety='from pytest_bdd import scenarios\nscenarios("safety.feature")\n')
    result = pytester.runpytest_subprocess("-p", "no:oat", "--html=r.html", "--self-contained-html", "--keep-going")
    result.assert_outcomes(passed=1, skipped=1, failed=1)
    html = (pytester.path / "r.html").read_text(encoding="utf-8")
    assert "実施不可</td><td>1</td>" in html
    assert "disrupts a server: its scenario must carry the tag @破壊的" in html
    assert "a disruptive step ran on servers that are not disposable" not in html


FAULT_FEATURE = """# language: ja
機能: 障害
  @障害試験 @破壊的
  シナリオ: 電源断
    もし サーバを再起動する
"""


def test_on_an_inventory_even_disposable_a_fault_scenario_is_left_out(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(SAFETY_CONFTEST.replace("disposable=False", "disposable=True"))
    pytester.makefile(".feature", faults=FAULT_FEATURE)
    pytester.makeini("[pytest]\nmarkers =\n    障害試験: faults\n    破壊的: disruptive\n")
    pytester.makepyfile(test_faults='from pytest_bdd import scenarios\nscenarios("faults.feature")\n')
    result = pytester.runpytest_subprocess("-p", "no:oat", "--html=r.html", "--self-contained-html", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*実施不可: 障害試験は*インベントリのサーバには行わない*"])
    html = (pytester.path / "r.html").read_text(encoding="utf-8")
    assert re.search(r"実施不可(</[^>]+>\s*<[^>]+>)+1<", html), "the cover does not count one 実施不可"
