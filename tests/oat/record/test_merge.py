"""oat.record.merge and oat.render.merged (`python -m oat.cli merge DIR… [--out DIR]`): several
shards' reports directories, one operator report and one verdict. Unit tests on hand-made
shards, then two real shards made by the report plugin in pytester projects, merged and opened
in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import load_workbook

from oat import cli
from oat.model import traceability
from oat.record import merge, trace
from oat.record.evidence import MASK
from oat.record.outcome import counts, judge
from oat.render.merged import render_html

ROOT = Path(__file__).resolve().parents[3]
DONE, FAILED, NOT_DONE, CANNOT = trace.DONE, trace.FAILED, trace.NOT_DONE, trace.CANNOT

MAPPING = traceability.Mapping(
    "doc",
    "000_doc.txt",
    "『手順書』",
    (
        traceability.Item("手順 1", "インストール", ("S1",)),
        traceability.Item("手順 2", "設定", ("S2",), steps=("設定する",)),
        traceability.Item("手順 3", "確認", ("S1", "S3")),
        traceability.Item("手順 4", "Windows の手順", not_applicable="ラボでは実施できない"),
    ),
    "features/doc/traceability.yaml",
)
OTHER = traceability.Mapping(
    "other",
    "004_other.txt",
    "『別の手順書』",
    (traceability.Item("(1)", "別の手順", ("T1",)),),
    "features/other/traceability.yaml",
)


def result(scenario: str, outcome: str = "passed", fail_at: int | None = None, folder: str = "doc", **extra) -> dict:
    """A scenario as the report plugin records it: 前提 / もし 設定する / ならば, failing at `fail_at`."""
    titles = ["前提 サーバが用意されている", "もし 設定する", "ならば 設定が反映されている"]
    steps = []
    for i, title in enumerate(titles):
        status = "passed" if fail_at is None or i < fail_at else "failed" if i == fail_at else "not_run"
        steps.append(
            {
                "title": title,
                "type": ("given", "when", "then")[i],
                "status": status,
                "duration": 0.5,
                "error": "boom" if status == "failed" else "",
                "commands": [
                    {
                        "server": "web",
                        "command": "systemctl is-active web",
                        "exit_code": 0,
                        "stdout": "active\n",
                        "stderr": "",
                        "duration": 0.1,
                        "started": 0.0,
                        "via": "",
                    }
                ],
                "shots": [],
            }
        )
    if outcome in ("not_run", "cannot"):
        steps = []
    if fail_at is not None:
        outcome = "failed"
        extra["failure"] = {
            "headline": f"不合格のステップ: 「{titles[fail_at]}」 — 原因: boom",
            "html": f'<div class="oat-failure">不合格のステップ: 「{titles[fail_at]}」</div>',
        }
    return {
        "folder": folder,
        "scenario": scenario,
        "label": scenario,
        "started": time.time(),
        "outcome": outcome,
        "steps": steps,
        **extra,
    }


def no_other(**found) -> dict[str, int]:
    """A cover's counts: every outcome's word, those not given 0."""
    return {**dict.fromkeys(["合格", "不合格", "エラー", "実施不可", "免除", "未実施"], 0), **found}


def shard(
    tmp_path: Path,
    name: str,
    results: list[dict],
    *,
    folders=("doc",),
    exitstatus: int | None = None,
    mappings=(MAPPING,),
    run_id: str | None = None,
) -> Path:
    """A shard's reports directory as a run leaves it: oat-run.json, junit.xml, cucumber.json."""
    where = tmp_path / name
    where.mkdir()
    judged = judge([(r["label"], r["outcome"]) for r in results])
    passed = judged.passed
    cover = {
        "verdict": judged.verdict.value,
        "passed": passed,
        "reasons": list(judged.reasons),
        "counts": counts(r["outcome"] for r in results),
        "started": 1_700_000_000.0,
        "ended": 1_700_000_100.0,
        "version": "abc1234",
        "failures": [],
        "blocked": [],
        "mutants": None,
        "trace_counts": {},
        "environment": {
            "実行ホスト": f"host-{name} (Linux)",
            "サーバの提供元": "Docker Engine 24.0.7 (unix:///var/run/docker.sock)",
            "CI": "手動実行 (CI 変数なし)",
        },
    }
    lab = {
        "name": "doc",
        "description": "手順書のラボ",
        "run_id": run_id or f"run-{name}",
        "networks": {"ops": "10.231.10.0/24"},
        "build_seconds": 12.0,
        "engine": f"Docker Engine 24.0.7 ({name})",
        "servers": [
            {
                "name": "web",
                "role": "Webサーバ",
                "image": "oat/server:1",
                "addresses": {"ops": "10.231.10.11"},
                "container": f"oat-{name}-web",
                "packages": {"nginx": "1.22"},
            }
        ],
        "setup_commands": [
            {
                "server": "repo",
                "command": "apt-get update",
                "exit_code": 0,
                "stdout": "",
                "stderr": "",
                "duration": 1.0,
                "started": 0.0,
                "via": "docker://x",
            }
        ],
    }
    summary = {
        "cover": cover,
        "traced": [(m, trace.trace(m, results)) for m in mappings],
        "labs": [lab],
        "errata": [],
        "measurements": [{"kind": "rto", "label": f"フェイルオーバー {name}", "value": 4.2, "target": 30}],
    }
    merge.write_run(
        where / merge.RUN_FILE,
        summary=summary,
        results=results,
        run_id=run_id or f"run-{name}",
        exitstatus=(0 if passed else 1) if exitstatus is None else exitstatus,
        folders=list(folders),
    )
    suite = ET.Element(
        "testsuite",
        name="pytest",
        tests=str(len(results)),
        failures=str(sum(r["outcome"] == "failed" for r in results)),
        errors="0",
        skipped=str(sum(r["outcome"] in ("not_run", "cannot") for r in results)),
        time="1.5",
    )
    for r in results:
        case = ET.SubElement(suite, "testcase", classname="features.doc", name=f"test_{r['scenario']}", time="0.5")
        if r["outcome"] == "failed":
            ET.SubElement(case, "failure", message="boom")
    root = ET.Element("testsuites", name="pytest tests")
    root.append(suite)
    ET.ElementTree(root).write(where / "junit.xml", encoding="utf-8", xml_declaration=True)
    feature = {
        "keyword": "機能",
        "uri": "doc/01.feature",
        "id": "doc/01.feature",
        "name": "手順",
        "line": 2,
        "tags": [],
        "elements": [{"keyword": "シナリオ", "name": r["scenario"], "steps": []} for r in results],
    }
    (where / "cucumber.json").write_text(json.dumps([feature], ensure_ascii=False), encoding="utf-8")
    return where


def rows_of(merged: dict, folder: str = "doc") -> dict[str, trace.Row]:
    return {row.item.ref: row for mapping, rows in merged["traced"] if mapping.folder == folder for row in rows}


# --- the verdict and the traceability ------------------------------------------------------


def test_steps_split_over_shards_count_as_done_and_the_verdict_is_pass(tmp_path, capsys):
    a = shard(tmp_path, "shard-a", [result("S1"), result("S2")])
    b = shard(tmp_path, "shard-b", [result("S3")])
    merged = merge.combine(merge.read([a, b]))
    rows = rows_of(merged)
    # 手順 3 needs S1 (shard a) and S3 (shard b): each shard alone left it 未実施.
    assert {ref: row.status for ref, row in rows.items()} == {
        "手順 1": DONE,
        "手順 2": DONE,
        "手順 3": DONE,
        "手順 4": CANNOT,
    }
    assert [label for label, _, _ in rows["手順 3"].evidence] == ["S1 〔shard-a〕", "S3 〔shard-b〕"]
    assert merged["cover"]["passed"] and merged["reasons"] == []
    assert merged["cover"]["counts"] == no_other(合格=3)
    assert merged["cover"]["trace_counts"] == no_other(合格=3, 実施不可=1)
    assert cli.main(["merge", str(a), str(b), "--out", str(tmp_path / "out")]) == 0
    assert "判定 合格" in capsys.readouterr().out


def test_a_failure_in_any_shard_wins_over_a_pass_in_another(tmp_path):
    a = shard(tmp_path, "a", [result("S1"), result("S2"), result("S3")])
    b = shard(tmp_path, "b", [result("S1", fail_at=2)])
    merged = merge.combine(merge.read([a, b]))
    rows = rows_of(merged)
    assert rows["手順 1"].status == FAILED and rows["手順 3"].status == FAILED
    assert rows["手順 2"].status == DONE
    assert not merged["cover"]["passed"]
    assert merged["reasons"] == [
        "シャード b の判定は不合格です (合格 0 ・ 不合格 1 ・ エラー 0 ・ 実施不可 0 ・ 免除 0 ・ 未実施 0)",
        "不合格 1 件: S1 〔b〕",
    ]
    # Two shards claiming one scenario with different results: both listed, named on the cover.
    assert [r["label"] for r in merged["results"] if r["scenario"] == "S1"] == ["S1 〔a〕", "S1 〔b〕"]
    assert merged["conflicts"] == [("doc/S1", [("a", "passed"), ("b", "failed")])]
    assert [f["label"] for f in merged["cover"]["failures"]] == ["S1 〔b〕"]
    assert merged["cover"]["failures"][0]["refs"] == ["手順 1", "手順 3"]


def test_a_step_carried_out_anywhere_counts_though_another_shard_stopped_before_it(tmp_path):
    # Shard a failed S2 at its 前提, before 設定する (the step 手順 2 picks); b carried S2 out.
    # S3 could not be done on a's servers (実施不可); b ran it.
    a = shard(tmp_path, "a", [result("S1"), result("S2", fail_at=0), result("S3", "cannot", reason="not disposable")])
    b = shard(tmp_path, "b", [result("S2"), result("S3")])
    merged = merge.combine(merge.read([a, b]))
    rows = rows_of(merged)
    assert rows["手順 2"].status == DONE and rows["手順 2"].reason == ""
    assert rows["手順 3"].status == DONE  # S1 passed in a, S3 in b: a's 実施不可 does not hold it back
    assert not merged["cover"]["passed"]  # shard a failed all the same
    # When 設定する itself failed in one shard, that failure wins over b's pass.
    c = shard(tmp_path, "c", [result("S2", fail_at=1)])
    assert rows_of(merge.combine(merge.read([b, c])))["手順 2"].status == FAILED


def test_a_documented_step_no_shard_carried_out_fails_the_merge(tmp_path, capsys):
    a = shard(tmp_path, "a", [result("S1")])
    b = shard(tmp_path, "b", [result("S2")])
    merged = merge.combine(merge.read([a, b]))
    row = rows_of(merged)["手順 3"]
    assert row.status == NOT_DONE and row.reason == "どのシャードも実行していないシナリオ: S3"
    assert not merged["cover"]["passed"]
    assert merged["reasons"] == ["実行対象のフォルダ (doc) の手順書の手順 1 件が未実施です: 手順 3"]
    assert cli.main(["merge", str(a), str(b), "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "判定 エラー" in out and "手順 3" in out  # not checked: an error of the run, not of the product


def test_a_document_no_shard_set_out_to_run_is_outside_the_verdict(tmp_path):
    a = shard(tmp_path, "a", [result("S1"), result("S2"), result("S3")], mappings=(MAPPING, OTHER))
    merged = merge.combine(merge.read([a]))
    assert merged["cover"]["passed"]
    assert [m.folder for m, _ in merged["traced"]] == ["doc"]
    assert [(m.folder, [r.status for r in rows]) for m, rows in merged["outside"]] == [("other", [NOT_DONE])]
    html = render_html(merged)
    assert "対象外の手順書" in html and "『別の手順書』" in html
    # ... but a shard that set out to run that folder (its arguments named it) makes it count.
    b = shard(tmp_path, "b", [], folders=("other",), mappings=(MAPPING, OTHER))
    merged = merge.combine(merge.read([a, b]))
    assert not merged["cover"]["passed"]
    assert [m.folder for m, _ in merged["traced"]] == ["doc", "other"]
    assert (
        merged["reasons"][0]
        == "シャード b の判定はエラーです (合格 0 ・ 不合格 0 ・ エラー 0 ・ 実施不可 0 ・ 免除 0 ・ 未実施 0)"
    )
    assert merged["cover"]["verdict"] == "error"  # nothing failed: something was not checked


def test_a_shard_that_did_not_end_normally_fails_the_merge(tmp_path):
    a = shard(tmp_path, "a", [result("S1"), result("S2"), result("S3")], exitstatus=2)  # Ctrl-C: its counts look fine
    merged = merge.combine(merge.read([a]))
    assert not merged["cover"]["passed"]
    assert merged["reasons"] == ["シャード a の実行が正常に終わっていません (終了コード 2: 中断)"]


def test_an_interrupted_shard_makes_the_merge_interrupted(tmp_path):
    a = shard(tmp_path, "a", [result("S1"), result("S2"), result("S3")])
    b = shard(tmp_path, "b", [result("S1", fail_at=1)], exitstatus=2)
    data = json.loads((b / merge.RUN_FILE).read_text(encoding="utf-8"))
    data["cover"].update(verdict="interrupted", interrupted={"signal": "SIGTERM", "at": 1_700_000_050.0})
    (b / merge.RUN_FILE).write_text(json.dumps(data), encoding="utf-8")
    merged = merge.combine(merge.read([a, b]))
    assert merged["cover"]["verdict"] == "interrupted"
    assert merged["reasons"][0].startswith("シャード b は中断されました (SIGTERM、")
    assert "判定: 中断" in render_html(merged)


# --- the files ------------------------------------------------------------------------------


def test_junit_holds_every_shard_s_suites_with_correct_totals(tmp_path):
    a = shard(tmp_path, "a", [result("S1"), result("S2"), result("S3", "cannot", reason="not here")])
    b = shard(tmp_path, "b", [result("S1", fail_at=1), result("S2")])
    # A third shard whose junit.xml is a bare <testsuite> without totals: they are counted.
    c = shard(tmp_path, "c", [result("S3")])
    bare = ET.Element("testsuite", name="pytest")
    for name in ("x", "y"):
        ET.SubElement(bare, "testcase", name=name)
    ET.SubElement(bare.find("testcase"), "error", message="teardown")
    ET.ElementTree(bare).write(c / "junit.xml", encoding="utf-8", xml_declaration=True)
    out = tmp_path / "out"
    assert cli.main(["merge", str(a), str(b), str(c), "--out", str(out)]) == 1
    root = ET.parse(out / "junit.xml").getroot()
    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "7",
        "failures": "1",
        "errors": "1",
        "skipped": "1",
    }
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["pytest [a]", "pytest [b]", "pytest [c]"]
    assert sum(len(s.findall("testcase")) for s in suites) == 7
    assert float(root.get("time")) == pytest.approx(3.0)
    assert suites[1].find("properties/property[@name='oat.shard']").get("value") == "b"


def test_cucumber_keeps_each_shard_s_features_as_entries_tagged_with_the_shard(tmp_path):
    a = shard(tmp_path, "a", [result("S1")])
    b = shard(tmp_path, "b", [result("S2"), result("S3")])
    out = tmp_path / "out"
    cli.main(["merge", str(a), str(b), "--out", str(out)])
    features = json.loads((out / "cucumber.json").read_text(encoding="utf-8"))
    assert [f["id"] for f in features] == ["doc/01.feature", "doc/01.feature"]
    assert [[e["name"] for e in f["elements"]] for f in features] == [["S1"], ["S2", "S3"]]
    assert [f["tags"][-1]["name"] for f in features] == ["oat-shard:a", "oat-shard:b"]


def test_the_merged_report_and_workbook_show_every_shard(tmp_path):
    a = shard(tmp_path, "a", [result("S1"), result("S2")])
    b = shard(tmp_path, "b", [result("S3", fail_at=2)])
    out = tmp_path / "out"
    assert cli.main(["merge", str(a), str(b), "--out", str(out)]) == 1
    html = (out / "report.html").read_text(encoding="utf-8")
    verdict = html.index("判定: 不合格")
    assert verdict < html.index("不合格の理由") < html.index("シャード b の判定は不合格です") < html.index("実施環境")
    assert "シャード a</td><td>ラボ doc (ラン run-a: ops 10.231.10.0/24) Docker Engine 24.0.7 (a)" in html
    assert "フェイルオーバー a 〔a〕" in html and "フェイルオーバー b 〔b〕" in html  # measurements of both
    assert "手順書のラボ — シャード b" in html and "apt-get update" in html  # each shard's lab, built how
    assert html.count('class="oat-scenario"') == 3 and "S3 〔b〕" in html
    assert "systemctl is-active web" in html  # a step's evidence
    book = load_workbook(out / "試験成績書.xlsx")
    assert {"表紙", "試験項目"} <= set(book.sheetnames) and book.sheetnames[-3:] == ["E001", "E002", "E003"]
    assert _beside(book["表紙"], "判定") == "不合格"
    results = _column(book["試験項目"], ("判定", "結果"))
    assert results[0] == "合格" and results[2].startswith("不合格")
    assert book["E003"]["A1"].value == "エビデンス E003: S3 〔b〕"


def _beside(ws, name: str):
    """The value right of the cell that says `name` (the 試験成績書's layout may move it)."""
    return next(row[i + 1] for row in ws.iter_rows(values_only=True) for i, v in enumerate(row[:-1]) if v == name)


def _column(ws, names: tuple[str, ...]) -> list:
    """The values under the first header cell that says one of `names`."""
    rows = list(ws.iter_rows(values_only=True))
    top, col = next((r, row.index(n)) for r, row in enumerate(rows[:3]) for n in names if n in row)
    return [row[col] for row in rows[top + 1 :] if row[col] is not None]


def test_run_data_round_trips_its_traceability(tmp_path):
    rows = trace.trace(MAPPING, [result("S1", fail_at=1)])
    data = merge.mapping_data(MAPPING, rows)
    assert merge.mapping_from(json.loads(json.dumps(data))) == MAPPING
    assert [i["status"] for i in data["items"]] == [FAILED, NOT_DONE, FAILED, CANNOT]


# --- bad input: one line naming the file, exit 2 --------------------------------------------


def _broken(tmp_path, how: str) -> tuple[list[str], str]:
    a = shard(tmp_path, "a", [result("S1")])
    b = shard(tmp_path, "b", [result("S2")])
    if how == "no run file":
        (b / merge.RUN_FILE).unlink()
        return [a, b], f"{b}: no oat-run.json in it"
    if how == "bad json":
        (b / merge.RUN_FILE).write_text('{"format": 1, "run_id": ', encoding="utf-8")
        return [a, b], f"{b / merge.RUN_FILE}: unreadable JSON"
    if how == "other format":
        (b / merge.RUN_FILE).write_text('{"format": 99}', encoding="utf-8")
        return [a, b], f"{b / merge.RUN_FILE}: format 99"
    if how == "results not scenarios":
        data = json.loads((b / merge.RUN_FILE).read_text(encoding="utf-8"))
        data["results"][0].pop("outcome")
        (b / merge.RUN_FILE).write_text(json.dumps(data), encoding="utf-8")
        return [a, b], f"{b / merge.RUN_FILE}: results[0]: needs the strings"
    if how == "bad xml":
        (b / "junit.xml").write_text("<testsuites><testsuite>", encoding="utf-8")
        return [a, b], f"{b / 'junit.xml'}: unreadable XML"
    if how == "no cucumber":
        (b / "cucumber.json").unlink()
        return [a, b], f"{b}: no cucumber.json in it"
    if how == "cucumber not a list":
        (b / "cucumber.json").write_text("{}", encoding="utf-8")
        return [a, b], f"{b / 'cucumber.json'}: not a Cucumber report"
    if how == "not a directory":
        return [a, tmp_path / "missing"], f"{tmp_path / 'missing'}: not a directory"
    if how == "same run twice":
        c = tmp_path / "copy"
        shutil.copytree(a, c)
        return [a, c], f"{c}: the same run (id run-a) as {a}"
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "no run file",
        "bad json",
        "other format",
        "results not scenarios",
        "bad xml",
        "no cucumber",
        "cucumber not a list",
        "not a directory",
        "same run twice",
    ],
)
def test_bad_input_is_one_line_naming_the_file_and_exit_2(tmp_path, capsys, how):
    dirs, expected = _broken(tmp_path, how)
    out = tmp_path / "out"
    assert cli.main(["merge", *map(str, dirs), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"oat: merge: {expected}"), captured.err
    assert not out.exists()


def test_out_may_not_be_a_shard_s_own_directory(tmp_path, capsys):
    a = shard(tmp_path, "a", [result("S1")])
    assert cli.main(["merge", str(a), "--out", str(a)]) == 2
    assert capsys.readouterr().err.startswith(f"oat: merge: {a}: --out is one of the shards' directories")


# --- end to end: two real shards, merged, opened in Chromium ---------------------------------

CONFTEST = """
pytest_plugins = ["oat.plugin.lab", "oat.plugin.web", "oat.plugin.report"]
import io
from PIL import Image
from pytest_bdd import given, when, then, parsers
from oat.plugin.lab import recorder_key

@given("サーバが用意されている")
def ready():
    pass

@when("DB に接続する")
def connect(request):
    recorder = request.config.stash[recorder_key]
    recorder.record("db", "psql postgresql://oat:S3cret-Pw-991@db/oat -c 'select 1'", 0,
                    "password=S3cret-Pw-991\\n", "", 0.05, via="docker://db")
    shot = io.BytesIO()
    Image.new("RGB", (64, 32), "white").save(shot, format="PNG")
    recorder.attach("png", "DB 管理画面", shot.getvalue())

@then(parsers.parse('"{service}" サービスが起動している'))
def running(service):
    assert service != "rabbitmq-server", f"{service} is not running on queue (inactive)"
"""

ALPHA = """# language: ja
機能: アルファ
  シナリオ: DB に接続できる
    前提 サーバが用意されている
    もし DB に接続する
    ならば "postgresql" サービスが起動している

  シナリオ: ウェブが起動している
    前提 サーバが用意されている
    ならば "nginx" サービスが起動している
"""

BETA = """# language: ja
機能: ベータ
  シナリオ: キューが起動している
    前提 サーバが用意されている
    ならば "rabbitmq-server" サービスが起動している

  シナリオ: コアが起動している
    前提 サーバが用意されている
    ならば "tengine" サービスが起動している
"""

# English words of report boilerplate (pytest-html's and the usual ones) that must not be
# on the first screen; data such as host names and versions may be ASCII.
ENGLISH = (
    "report",
    "generated",
    "summary",
    "environment",
    "results",
    "passed",
    "failed",
    "skipped",
    "error",
    "tests",
    "took",
    "details",
    "verdict",
    "scenario",
    "duration",
    "started",
    "merged",
    "filter",
)


def _first_screen_text(page) -> str:
    """The text the browser shows before any scrolling."""
    return page.evaluate("""() => {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const seen = [];
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const range = document.createRange();
            range.selectNodeContents(node);
            const box = range.getBoundingClientRect();
            if (box.height > 0 && box.top < window.innerHeight && node.textContent.trim()) seen.push(node.textContent.trim());
        }
        return seen.join("\\n");
    }""")


def test_two_real_shards_merge_into_one_report_that_opens_in_chromium(pytester, monkeypatch):
    from playwright.sync_api import sync_playwright

    from oat.plugin.web import CHROMIUM, chromium_args

    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(CONFTEST)
    for folder, feature in (("alpha", ALPHA), ("beta", BETA)):
        (pytester.path / folder).mkdir()
        (pytester.path / folder / f"{folder}.feature").write_text(feature, encoding="utf-8")
        (pytester.path / folder / f"test_{folder}.py").write_text(
            f'from pytest_bdd import scenarios\nscenarios("{folder}.feature")\n', encoding="utf-8"
        )
    for folder, name, outcomes in (
        ("alpha", "shard-a", {"passed": 2}),
        ("beta", "shard-b", {"passed": 1, "failed": 1}),
    ):
        done = pytester.runpytest_subprocess(
            "-p",
            "no:oat",
            folder,
            f"--html={name}/report.html",
            "--self-contained-html",
            f"--junitxml={name}/junit.xml",
            f"--cucumberjson={name}/cucumber.json",
            f"--workbook={name}/試験成績書.xlsx",
        )
        done.assert_outcomes(**outcomes)

    run = json.loads((pytester.path / "shard-a" / merge.RUN_FILE).read_text(encoding="utf-8"))
    assert run["format"] == merge.FORMAT and run["run_id"] and run["exitstatus"] == 0
    assert run["folders"] == ["alpha"] and run["cover"]["passed"] and run["cover"]["counts"] == no_other(合格=2)
    assert [r["label"] for r in run["results"]] == ["DB に接続できる", "ウェブが起動している"]
    assert (
        run["results"][0]["steps"][1]["commands"][0]["command"] == f"psql postgresql://oat:{MASK}@db/oat -c 'select 1'"
    )
    assert run["traceability"] == []  # only the documents of the run's own folders (none here), never another's

    merged = subprocess.run(
        [sys.executable, "-m", "oat.cli", "merge", "shard-a", "shard-b", "--out", "merged"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert merged.returncode == 1, merged.stderr
    assert "判定 不合格" in merged.stdout and merged.stderr == ""
    out = pytester.path / "merged"
    assert sorted(p.name for p in out.iterdir()) == ["cucumber.json", "junit.xml", "report.html", "試験成績書.xlsx"]
    for path in (*(pytester.path / "shard-a").iterdir(), *out.iterdir()):
        if path.suffix in (".json", ".html", ".xml"):
            assert "S3cret-Pw-991" not in path.read_text(encoding="utf-8"), path
    junit = ET.parse(out / "junit.xml").getroot()
    assert (junit.get("tests"), junit.get("failures")) == ("4", "1")
    assert load_workbook(out / "試験成績書.xlsx").sheetnames[-4:] == ["E001", "E002", "E003", "E004"]

    home = Path(tempfile.mkdtemp(prefix="oat-merge-chromium-"))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=chromium_args([]), env={"HOME": str(home), "PATH": "/usr/bin:/bin"}
            )
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto((out / "report.html").as_uri())
                assert page.inner_text(".oat-verdict") == "判定: 不合格"
                first = _first_screen_text(page)
                assert "判定: 不合格" in first and "シャード shard-b の判定は不合格です (合格 1 ・ 不合格 1 ・" in first
                words = {w.lower() for w in re.findall(r"[A-Za-z]+", first)}
                assert not words & set(ENGLISH), (words & set(ENGLISH), first)
                body = page.inner_text("body")
                for label in (
                    "DB に接続できる 〔shard-a〕",
                    "ウェブが起動している 〔shard-a〕",
                    "キューが起動している 〔shard-b〕",
                    "コアが起動している 〔shard-b〕",
                ):
                    assert label in body
                assert "rabbitmq-server is not running on queue (inactive)" in body
                scenarios = page.locator("section.oat-scenario")
                assert scenarios.count() == 4
                first_scenario = scenarios.nth(0)
                assert "シャード shard-a" in first_scenario.inner_text()
                assert first_scenario.locator("img.oat-shot").count() == 1  # the screenshot, inline
                assert "DB 管理画面" in first_scenario.inner_text()
                # A shard's own page is the same page, of one run.
                page.goto((pytester.path / "shard-b" / "report.html").as_uri())
                assert page.inner_text(".oat-verdict") == "判定: 不合格"
                first = _first_screen_text(page)
                assert not {w.lower() for w in re.findall(r"[A-Za-z]+", first)} & set(ENGLISH), first
                assert page.locator("section.oat-scenario").count() == 2
                assert "rabbitmq-server is not running on queue (inactive)" in page.inner_text("body")
            finally:
                browser.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


# --- one page: a single run's report.html and the merge of its record -------------------------

ONE_RUN_CONFTEST = (
    CONFTEST.replace('"oat.plugin.report"]', '"oat.plugin.report", "oat.plugin.procedure", "oat.plugin.features"]')
    + """
from oat.plugin import lab

lab.Labs.prepare = lambda self, folders: None  # these steps use no server


@then("フェイルオーバーを測る")
def measured(request):
    recorder = request.config.stash[recorder_key]
    recorder.attach("text", "RTO の測定", "最初の正しい応答まで 3.2 秒")
    recorder.attach("svg", "API の可用性", "<svg xmlns='http://www.w3.org/2000/svg' class='oat-test-chart'/>")
    recorder.measure("rto", "db1 → db2", 3.2, target=30.0)
"""
)

ONE_RUN_FEATURE = """# language: ja
機能: デモ
  シナリオ: DB に接続できる
    前提 サーバが用意されている
    もし DB に接続する
    ならば フェイルオーバーを測る

  シナリオ: キューが起動している
    前提 サーバが用意されている
    ならば "rabbitmq-server" サービスが起動している
"""

ONE_RUN_TRACEABILITY = """document: demo.txt
title: デモ手順書
items:
  - {ref: 手順 1, text: データベースへの接続, scenarios: [DB に接続できる]}
  - {ref: 手順 2, text: キューの起動, scenarios: [キューが起動している]}
"""


def _sections(html: str) -> list[str]:
    """The page's sections: its h2 headings (the history's without its counts)."""
    return [re.sub(r"^(実行履歴) .*", r"\1", re.sub(r"<[^>]+>", "", h)) for h in re.findall(r"<h2>(.*?)</h2>", html)]


@pytest.mark.parametrize("html_plugin", [[], ["-p", "no:html"]], ids=["pytest-html installed", "without pytest-html"])
def test_a_single_run_s_page_and_the_merge_of_its_record_are_one_page(pytester, monkeypatch, html_plugin):
    """One renderer: the page a run writes at --html and the page `oat merge` makes of that
    run's record show the same sections, and the same steps with the same evidence; the
    merge only adds its shards. --html works whether pytest-html is there or not."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    for name, text in (
        ("pytest.ini", "[pytest]\n"),
        ("conftest.py", ONE_RUN_CONFTEST),
        ("features/demo/01_demo.feature", ONE_RUN_FEATURE),
        ("features/demo/traceability.yaml", ONE_RUN_TRACEABILITY),
    ):
        (pytester.path / name).parent.mkdir(parents=True, exist_ok=True)
        (pytester.path / name).write_text(text, encoding="utf-8")
    done = pytester.runpytest_subprocess(
        "-p",
        "no:oat",
        "-p",
        "no:cacheprovider",
        *html_plugin,
        "features",
        "--html=one/report.html",
        "--self-contained-html",
        "--junitxml=one/junit.xml",
        "--cucumberjson=one/cucumber.json",
    )
    done.assert_outcomes(passed=1, failed=1)
    merged = subprocess.run(
        [sys.executable, "-m", "oat.cli", "merge", "one", "--out", "merged"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert merged.returncode == 1, merged.stderr
    single = (pytester.path / "one" / "report.html").read_text(encoding="utf-8")
    whole = (pytester.path / "merged" / "report.html").read_text(encoding="utf-8")

    assert single.startswith("<!DOCTYPE html>") and "data-jsonblob" not in single  # oat's page, not pytest-html's
    expected = [
        "トレーサビリティ (手順書の手順と実施結果)",
        "測定結果",
        "運用テスト環境 (ラボ) と構成",
        "実行履歴",
        "シナリオ (2 件)",
    ]
    assert _sections(single) == expected
    assert _sections(whole) == ["シャード", *(s for s in expected if s != "実行履歴")]  # a merge has no history
    for html in (single, whole):
        assert "判定: 不合格" in html and "不合格のステップ: 「ならば &quot;rabbitmq-server&quot;" in html
        assert "シナリオ</th><th>件数" in html and "実施環境" in html
        assert "<td>手順 2</td><td>キューの起動</td>" in html and "デモ手順書" in html
        assert "フェイルオーバーの RTO" in html and "db1 → db2" in html
        assert "最初の正しい応答まで 3.2 秒" in html and "class='oat-test-chart'" in html  # a step's text and SVG
        assert 'src="data:image/png;base64,' in html and "DB 管理画面" in html
        assert "AssertionError: rabbitmq-server is not running on queue" in html  # pytest's own output
        assert "S3cret-Pw-991" not in html and f"postgresql://oat:{MASK}@db/oat" in html
    # The same steps, with the same evidence, rendered by the same code.
    steps = [re.findall(r'<table class="oat-steps">.*?</table>', html, re.DOTALL) for html in (single, whole)]
    assert len(steps[0]) == 2 and steps[0] == steps[1]
