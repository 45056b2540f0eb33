"""oat.render.workbook: the 試験成績書, read back with openpyxl."""
from __future__ import annotations

import io
import time

import pytest
from openpyxl import load_workbook
from PIL import Image as PILImage

from oat.plugin.report import _step_data
from oat.model import traceability
from oat.render import workbook
from oat.record.evidence import Masker, Recorder

SECRET = "Tengine-db-pass-7781"
MAPPING = traceability.Mapping(
    folder="clweb", document="004_guide.txt", title="『CL/Web ガイド』", source="t.yaml", items=(
        traceability.Item("インストール手順 (3)", "インストールと自動起動の無効化", ("インストール",),
                          expected="jcclweb の自動起動が無効であること"),
        traceability.Item("インストール手順 (4)", "環境設定", ("環境設定",), steps=("設定",)),
        traceability.Item("インストール手順 (5)", "起動確認", ("起動確認",)),
        traceability.Item("インストール手順 (3) Windows", "スタートアップを手動に", not_applicable="Windows の手順"),
    ))


def png(width=1200, height=600) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def scenario(name: str, steps: list[tuple[str, str, str]], fail_at: int | None = None) -> dict:
    """Run `steps` ((type, keyword, text)) through a real Recorder, as the plugin does."""
    recorder = Recorder(Masker([SECRET]))
    recorder.start_scenario([(kw, text) for _, kw, text in steps], key=name)
    for i, (_, _, text) in enumerate(steps):
        recorder.start_step(i)
        recorder.record("node1", f"psql postgresql://tengine:{SECRET}@db/tengine -c 'select 1'", 0,
                        f"password={SECRET}\n=HYPERLINK(\"http://x\")\x07", "", 0.12)
        if i == fail_at:
            recorder.attach("png", "失敗時の ブラウザの画面", png())
            recorder.end_step(AssertionError(f"CL/Web answered 401 with {SECRET}"))
            break
        recorder.end_step()
    data = {"folder": "clweb", "scenario": name, "label": name, "started": time.time(),
            "outcome": "failed" if fail_at is not None else "passed",
            "steps": [_step_data(s, steps[i][0]) for i, s in enumerate(recorder.steps)]}
    if fail_at is not None:
        data["failure"] = {"headline": f"失敗したステップ: 「{recorder.failed_step.title}」 — 原因: "
                                       f"{recorder.failed_step.error}"}
    return data


@pytest.fixture
def book(tmp_path):
    results = [
        scenario("インストール", [("given", "前提", "運用系が用意されている"), ("when", "もし", "CL/Web をインストールする"),
                              ("then", "ならば", "自動起動が無効"), ("then", "かつ", "サービスが停止している")]),
        scenario("環境設定", [("when", "もし", "$bind を設定する"), ("then", "ならば", "設定が浮動 IP で応答する"),
                          ("then", "かつ", "ほかのアドレスでは待ち受けていない")], fail_at=1),
    ]
    labs = [{"name": "clweb", "description": "CL/Web", "run_id": "abc123", "networks": {"public": "192.168.10.0/24"},
             "engine": "Docker Engine 20.10", "servers": [{"name": "node1", "role": "運用系",
                                                            "addresses": {"public": "192.168.10.11"},
                                                            "packages": {"jcclweb": "1.0.0"}}]}]
    cover = {"passed": False, "counts": {"成功": 1, "失敗": 1}, "started": time.time() - 60, "ended": time.time(),
             "version": "v1-test", "environment": {"CI": "手動実行"},
             "trace_counts": {"成功": 1, "失敗": 1, "未実施": 1, "実施不可": 1}}
    measurements = [{"kind": "rto", "label": "node1 → node2", "value": 0.74, "target": 3}]
    path = workbook.write(tmp_path / "試験成績書.xlsx", cover=cover, traced=[(MAPPING, traceability.trace(MAPPING, results))],
                          results=results, labs=labs, measurements=measurements)
    return load_workbook(path)


def rows(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]


def test_the_sheets_are_the_cover_the_items_and_one_evidence_sheet_per_scenario(book):
    assert book.sheetnames == ["表紙", "試験項目", "E001", "E002"]
    cover = {r[0].value: r[1].value for r in book["表紙"].iter_rows(min_row=3, max_row=12)}
    assert cover["判定"] == "不合格"
    assert cover["試験スイート"] == "oat v1-test"
    assert cover["CI"] == "手動実行"
    assert "ラン abc123" in cover["実施環境"]
    values = [c.value for row in book["表紙"].iter_rows() for c in row]
    assert "0.74 秒" in values and "3 秒以内" in values


def test_one_item_row_per_documented_step_with_its_result(book):
    items = rows(book["試験項目"])
    assert [r["章/手順"] for r in items] == [i.ref for i in MAPPING.items]
    assert [r["試験項目番号"] for r in items] == ["clweb-001", "clweb-002", "clweb-003", "clweb-004"]
    done, failed, missing, cannot = items
    assert done["結果"] == "合格"
    assert done["確認内容"] == "ならば 自動起動が無効\nかつ サービスが停止している"
    assert done["期待結果"] == "jcclweb の自動起動が無効であること"
    assert done["実施環境"].startswith("ラボ clweb (ラン abc123")
    assert missing["結果"].startswith("未実施: このランで実行されていないシナリオ: 起動確認")
    assert missing["エビデンス"] is None
    assert cannot["結果"] == "実施不可: Windows の手順"


def test_a_failing_step_makes_its_row_fail_with_the_cause_and_links_its_evidence(book):
    failed = rows(book["試験項目"])[1]
    assert failed["結果"].startswith("不合格\n失敗したステップ: 「ならば 設定が浮動 IP で応答する」")
    assert failed["確認内容"] == "ならば 設定が浮動 IP で応答する"  # the item's steps pick only this check
    link = book["試験項目"]["J3"]
    assert link.value == "E002" and link.hyperlink.location == "'E002'!A1"
    evidence = book["E002"]
    texts = [c.value for row in evidence.iter_rows() for c in row if c.value is not None]
    assert "失敗" in texts and "未実行" in texts
    assert len(evidence._images) == 1  # the screen when it failed, as a picture


def test_the_item_sheet_is_frozen_filtered_and_prints_on_one_page_wide(book):
    ws = book["試験項目"]
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == "A1:J5"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws["G2"].fill.fgColor.rgb.endswith("DAFBE1") and ws["G3"].fill.fgColor.rgb.endswith("FFD8D3")


def test_commands_appear_with_server_exit_code_and_output_as_text_not_formulas(book):
    evidence = book["E001"]
    commands = [row for row in evidence.iter_rows(min_row=6, values_only=True) if str(row[1]).startswith("$ ")]
    assert len(commands) == 4
    _, command, server, code, took, output = commands[0]
    assert (server, code, took) == ("node1", 0, "0.12 秒")
    assert command.startswith("$ psql postgresql://tengine:********@db")
    assert output.splitlines()[1] == '=HYPERLINK("http://x")'  # the bell character is gone
    cells = [c for row in evidence.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)


def test_no_secret_reaches_any_cell(book):
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                assert SECRET not in str(value), f"{ws.title}: {value}"
