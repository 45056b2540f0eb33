"""oat.render.workbook: the 試験成績書, read back with openpyxl."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time

import pytest
from openpyxl import load_workbook
from PIL import Image as PILImage

from oat.model import traceability
from oat.plugin.report import _step_data
from oat.record import trace
from oat.record.evidence import Masker, Recorder
from oat.render import workbook

SECRET = "Tengine-db-pass-7781"
MAPPING = traceability.Mapping(
    folder="clweb",
    document="004_guide.txt",
    title="『CL/Web ガイド』",
    source="t.yaml",
    items=(
        traceability.Item(
            "インストール手順 (3)",
            "インストールと自動起動の無効化",
            ("インストール",),
            expected="jcclweb の自動起動が無効であること",
        ),
        traceability.Item("インストール手順 (4)", "環境設定", ("環境設定",), steps=("設定",)),
        traceability.Item("インストール手順 (5)", "起動確認", ("起動確認",)),
        traceability.Item("インストール手順 (3) Windows", "スタートアップを手動に", not_applicable="Windows の手順"),
    ),
)


def png(width=1200, height=600) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def scenario(name: str, steps: list[tuple], fail_at: int | None = None, tester: str = "yamada") -> dict:
    """Run `steps` ((type, keyword, text[, docstring[, table]])) through a real Recorder, as the plugin does."""
    recorder = Recorder(Masker([SECRET]))
    recorder.start_scenario([(kw, text) for _, kw, text, *_ in steps], key=name)
    for i in range(len(steps)):
        recorder.start_step(i)
        recorder.record(
            "node1",
            f"psql postgresql://tengine:{SECRET}@db/tengine -c 'select 1'",
            0,
            f'password={SECRET}\n=HYPERLINK("http://x")\x07',
            "",
            0.12,
        )
        if i == fail_at:
            recorder.attach("png", "失敗時の ブラウザの画面", png())
            recorder.end_step(AssertionError(f"CL/Web answered 401 with {SECRET}"))
            break
        recorder.end_step()
    data = {
        "folder": "clweb",
        "scenario": name,
        "label": name,
        "started": time.time(),
        "tester": tester,
        "outcome": "failed" if fail_at is not None else "passed",
        "steps": [_step_data(s, steps[i][0], *steps[i][3:]) for i, s in enumerate(recorder.steps)],
    }
    if fail_at is not None:
        data["failure"] = {
            "headline": f"失敗したステップ: 「{recorder.failed_step.title}」 — 原因: {recorder.failed_step.error}"
        }
    return data


@pytest.fixture
def book_path(tmp_path):
    results = [
        scenario(
            "インストール",
            [
                ("given", "前提", "運用系が用意されている"),
                (
                    "when",
                    "もし",
                    'パッケージ "jcclweb-1.0.0.rpm" をインストールする',
                    "rpm -ivh jcclweb-1.0.0.rpm\nsystemctl jcclweb disable",
                    [["名前", "値"], ["port", "443"]],
                ),
                ("then", "ならば", "自動起動が無効"),
                ("then", "かつ", "サービスが停止している"),
            ],
        ),
        scenario(
            "環境設定",
            [
                ("when", "もし", "$bind を設定する"),
                ("then", "ならば", "設定が浮動 IP で応答する"),
                ("then", "かつ", "ほかのアドレスでは待ち受けていない"),
            ],
            fail_at=1,
        ),
    ]
    labs = [
        {
            "name": "clweb",
            "description": "CL/Web",
            "run_id": "abc123",
            "networks": {"public": "192.168.10.0/24"},
            "engine": "Docker Engine 20.10",
            "servers": [
                {
                    "name": "node1",
                    "role": "運用系",
                    "host": "clweb-node1-abc123",
                    "addresses": {"public": "192.168.10.11"},
                    "packages": {"jcclweb": "1.0.0"},
                }
            ],
        }
    ]
    cover = {
        "passed": False,
        "counts": {"合格": 1, "不合格": 1},
        "started": time.time() - 60,
        "ended": time.time(),
        "version": "v1-test",
        "environment": {"CI": "手動実行"},
        "tester": "yamada (--tester)",
        "trace_counts": trace.counts(trace.trace(MAPPING, results)),
    }
    measurements = [{"kind": "rto", "label": "node1 → node2", "value": 0.74, "target": 3}]
    return workbook.write(
        tmp_path / "試験成績書.xlsx",
        cover=cover,
        traced=[(MAPPING, trace.trace(MAPPING, results))],
        results=results,
        labs=labs,
        measurements=measurements,
    )


@pytest.fixture
def book(book_path):
    return load_workbook(book_path)


def rows(ws) -> list[dict]:
    """The item sheet's rows by heading (the second header row's, else the first's)."""
    header = [under.value or over.value for over, under in zip(ws[1], ws[2], strict=True)]
    return [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=3)]


def pairs(ws) -> dict:
    return {r[0].value: r[1].value for r in ws.iter_rows() if r[0].value and r[1].value}


def test_the_sheets_are_the_cover_the_summary_the_items_and_one_evidence_sheet_per_scenario(book):
    assert book.sheetnames == ["表紙", "集計", "試験項目", "E001", "E002"]
    cover = pairs(book["表紙"])
    assert cover["判定"] == "不合格"
    assert cover["試験スイート"] == "oat v1-test"
    assert cover["CI"] == "手動実行"
    assert cover["実施者"] == "yamada (--tester)"
    assert "ラン abc123" in cover["実施環境"]
    values = [c.value for row in book["表紙"].iter_rows() for c in row]
    assert "0.74 秒" in values and "3 秒以内" in values


def test_the_cover_opens_with_three_boxes_to_sign_each_with_its_date(book):
    ws = book["表紙"]
    assert [ws.cell(2, col).value for col in (3, 4, 5)] == ["承認", "確認", "作成"]
    assert (ws["B3"].value, ws["B4"].value) == ("印/署名", "日付")
    for row in (3, 4):
        for col in (3, 4, 5):
            cell = ws.cell(row, col)
            assert cell.value is None and cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
    assert ws.row_dimensions[3].height >= 48  # room for a seal


def test_one_item_row_per_documented_step_in_the_sign_off_columns(book):
    ws = book["試験項目"]
    assert [c.value for c in ws[1]][:2] == ["No", "種目"] and "エビデンス" in [c.value for c in ws[1]]
    items = rows(ws)
    assert list(items[0]) == [
        "No",
        "大項目",
        "中項目",
        "テスト概要",
        "前提条件",
        "手順",
        "入力値",
        "期待結果",
        "判定",
        "実施日",
        "実施者",
        "内容",
        "シート",
        "備考",
    ]
    assert [r["No"] for r in items] == ["clweb-001", "clweb-002", "clweb-003", "clweb-004"]
    assert [r["中項目"] for r in items] == [i.ref for i in MAPPING.items]
    assert {r["大項目"] for r in items} == {"『CL/Web ガイド』"}
    assert [r["判定"] for r in items] == ["合格", "不合格", "未実施", "実施不可"]
    done, failed, missing, cannot = items
    assert done["テスト概要"] == "インストールと自動起動の無効化"
    assert done["前提条件"] == "前提 運用系が用意されている"
    assert done["手順"] == '1. もし パッケージ "jcclweb-1.0.0.rpm" をインストールする'
    assert done["入力値"].split("\n") == [
        "「jcclweb-1.0.0.rpm」",
        '[文書] もし パッケージ "jcclweb-1.0.0.rpm" をインストールする:',
        "rpm -ivh jcclweb-1.0.0.rpm",
        "systemctl jcclweb disable",
        '[表] もし パッケージ "jcclweb-1.0.0.rpm" をインストールする:',
        "名前 | 値",
        "port | 443",
    ]
    assert done["期待結果"] == "jcclweb の自動起動が無効であること"
    assert done["実施日"] == time.strftime("%Y-%m-%d") and done["実施者"] == "yamada"
    assert done["備考"] == "ラボ clweb (ラン abc123)"
    # A scenario that builds on the one before it on the same lab says so.
    assert failed["前提条件"] == "同じラボで先に実施したシナリオ 1 件の後 (直前: 「インストール」)"
    assert failed["期待結果"] == "ならば 設定が浮動 IP で応答する"  # no expected: the checks the item picks
    # Nothing carried it out: the document's own text is the procedure, no date, no tester.
    assert (missing["手順"], missing["実施日"], missing["実施者"], missing["シート"]) == ("起動確認", None, None, None)
    assert missing["備考"].startswith("このランで実行されていないシナリオ: 起動確認")
    assert cannot["備考"] == "Windows の手順"


def test_an_item_s_evidence_is_its_steps_and_commands_with_its_screens_and_a_link_to_its_sheet(book):
    ws = book["試験項目"]
    failed = rows(ws)[1]
    assert failed["備考"].startswith("失敗したステップ: 「ならば 設定が浮動 IP で応答する」")
    assert failed["手順"] == "1. もし $bind を設定する"
    evidence = failed["内容"].split("\n")
    assert evidence[0] == "E002: 「環境設定」 不合格"
    # The steps the item picks (those with 設定), not the one after the failure.
    assert [line.split(" (")[0] for line in evidence if not line.startswith(" ")][1:] == [
        "合格: もし $bind を設定する",
        "不合格: ならば 設定が浮動 IP で応答する",
    ]
    assert evidence[2] == "  $ psql postgresql://tengine:********@db/tengine -c 'select 1' [node1, 終了コード 0]"
    assert evidence[3:5] == ["    password=********", '    =HYPERLINK("http://x")']
    assert evidence[6:] == [
        "  CL/Web answered 401 with ********",
        evidence[2],
        *evidence[3:5],
        "  画面: 失敗時の ブラウザの画面",
    ]
    link = ws.cell(4, workbook.COLUMN["シート"])
    assert link.value == "E002" and link.hyperlink.location == "'E002'!A1"
    # The screen, as a picture under the cell's text, within its row.
    [shot] = ws._images
    anchor = shot.anchor._from
    assert (anchor.col + 1, anchor.row + 1) == (workbook.COLUMN["内容"], 4) and anchor.rowOff > 0
    width, height = shot.anchor.ext.width / 9525, shot.anchor.ext.height / 9525  # EMU to pixels
    assert (width, height) == (workbook.THUMB_WIDTH, workbook.THUMB_WIDTH / 2)  # a 1200×600 screen, scaled
    assert ws.row_dimensions[4].height * 4 / 3 >= height + anchor.rowOff / 9525
    sheet = book["E002"]
    texts = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "不合格" in texts and "未実施" in texts
    assert len(sheet._images) == 1  # the screen when it failed, full size on its sheet


def test_the_item_sheet_is_frozen_filtered_and_prints_on_one_page_wide(book):
    ws = book["試験項目"]
    assert ws.freeze_panes == "B3"
    assert ws.auto_filter.ref == "A2:N6"
    assert ws.print_title_rows.replace("$", "") == "1:2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    verdict = workbook.COLUMN["判定"]
    assert ws.cell(3, verdict).fill.fgColor.rgb.endswith("DAFBE1") and ws.cell(4, verdict).fill.fgColor.rgb.endswith(
        "FFD8D3"
    )


def test_the_summary_gives_the_coverage_and_the_counts_per_outcome_document_and_server(book):
    ws = book["集計"]
    table = {r[0]: r[1:] for r in ws.iter_rows(values_only=True) if r[0]}
    assert table["手順書の手順 (試験項目)"][0] == 4
    assert table["実施した手順 (合格 + 不合格 + 免除)"][0] == 2
    assert table["網羅率 (実施した手順 / 手順書の手順)"][0] == "50.0 % (2 / 4)"
    assert table["網羅率 (実施不可を除く)"][0] == "66.7 % (2 / 3)"
    # 判定: items, then scenarios.
    assert [table[w][:2] for w in ("合格", "不合格", "エラー", "実施不可", "免除", "未実施")] == [
        (1, 1),
        (1, 1),
        (0, 0),
        (1, 0),
        (0, 0),
        (1, 0),
    ]
    assert table["計"][:2] == (4, 2)
    assert table["『CL/Web ガイド』"][:9] == ("clweb", 4, 1, 1, 0, 1, 0, 1, "50.0 % (2 / 4)")
    # node1 ran the commands of both scenarios: 4 steps, then 2 before the failure.
    assert table["node1"][:10] == ("clweb-node1-abc123", "clweb", 1, 1, 0, 0, 0, 0, 6, 0)
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.fitToWidth == 1


def test_commands_appear_with_server_exit_code_and_output_as_text_not_formulas(book):
    evidence = book["E001"]
    commands = [row for row in evidence.iter_rows(min_row=6, values_only=True) if str(row[1]).startswith("$ ")]
    assert len(commands) == 4
    _, command, server, code, took, output = commands[0]
    assert (server, code, took) == ("node1", 0, "0.12 秒")
    assert command.startswith("$ psql postgresql://tengine:********@db")
    assert output.splitlines()[1] == '=HYPERLINK("http://x")'  # the bell character is gone
    for ws in book.worksheets:
        assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row), ws.title


def test_no_secret_reaches_any_cell(book):
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                assert SECRET not in str(value), f"{ws.title}: {value}"


def test_it_opens_in_libreoffice_one_page_per_sheet(book_path, tmp_path):
    """LibreOffice converts it headlessly: every sheet prints, one page each here (one page
    wide, and every item on it), in Japanese."""
    missing = [tool for tool in ("soffice", "pdfinfo", "pdftotext") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: run bin/setup (it installs libreoffice-calc-nogui and poppler-utils)",
            pytrace=False,
        )
    out = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            str(book_path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = tmp_path / "pdf" / "試験成績書.pdf"
    assert out.returncode == 0 and pdf.is_file(), out.stdout + out.stderr
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+5$", info, re.M), info
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    sheets = ["表紙", "集計", "試験項目", "E001", "E002"]
    for number, (page, sheet) in enumerate(zip(pages[:5], sheets, strict=True), 1):
        assert f"{sheet} — {number} / 5" in page, page  # each page's footer names its sheet
    cover, summary, items = pages[:3]
    assert "試験成績書" in cover and re.search(r"承認\s+確認\s+作成", cover) and "印/署名" in cover
    assert "50.0 % (2 / 4)" in summary
    header = "\n".join(items.splitlines()[:3])  # every column on the one page wide
    assert all(name in header for column in workbook.ITEM_COLUMNS for name in column[:2] if name), header
    assert all(f"clweb-00{n}" in items for n in range(1, 5))
