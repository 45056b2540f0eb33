"""試験成績書: the run as the spreadsheet operations teams sign and file (reports/試験成績書.xlsx).

Sheets: 表紙 (verdict, counts, period, suite, environment, measurements, sign-off), 試験項目
(one row per documented step: the traceability's rows, with a link to their evidence), and one
evidence sheet per scenario (E001, E002 …: its steps, every command with server, exit status,
output and duration, and the screenshots as pictures).

A pure function of the run's plain data (the same dicts the HTML report is made from), so it
is tested without a lab. Commands were masked when recorded; the texts here are written as
strings only (never as formulas) and stripped of what a spreadsheet cannot hold.
"""
from __future__ import annotations

import base64
import io
from math import ceil
from unicodedata import east_asian_width
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from oat.model import traceability
from oat.render.timewords import clock as _clock, seconds as _seconds

PASS, FAIL, NOT_DONE, CANNOT = "合格", "不合格", "未実施", "実施不可"
RESULT = {traceability.DONE: PASS, traceability.FAILED: FAIL,
          traceability.NOT_DONE: NOT_DONE, traceability.CANNOT: CANNOT}
STEP_COLOURS = {"成功": "1A7F37", "失敗": "CF222E", "未実行": "8C959F"}
FILLS = {PASS: "DAFBE1", FAIL: "FFD8D3", NOT_DONE: "FFD8D3", CANNOT: "FFF1C2"}
ITEM_COLUMNS = [  # (header, width in characters)
    ("試験項目番号", 11), ("手順書", 22), ("章/手順", 20), ("手順の内容", 36), ("確認内容", 48),
    ("期待結果", 36), ("結果", 26), ("実施日時", 17), ("実施環境", 24), ("エビデンス", 12)]
EVIDENCE_COLUMNS = [("No", 5), ("ステップ / コマンド", 60), ("結果・サーバ", 14), ("終了コード", 9),
                    ("所要時間", 10), ("出力 (標準出力・標準エラー出力)", 80)]
CELL_LIMIT = 4000  # characters of one output in a cell; the HTML report keeps the whole text
SHOT_WIDTH = 720   # pixels of a screenshot on its sheet
ROW_PIXELS = 20    # a default row's height, to leave room under a picture
LINE_POINTS = 13   # the height of one line of text in a row

THIN = Side(style="thin", color="BBBBBB")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="DDE3EA")
WRAP = Alignment(wrap_text=True, vertical="top")


def write(path: Path, *, cover: dict, traced: list, results: list[dict], labs: list[dict],
          measurements: list[dict]) -> Path:
    """Write the workbook; returns its path.

    cover: {"passed", "counts", "started", "ended", "version", "environment": {name: value},
    "trace_counts"}; traced: [(traceability.Mapping, [traceability.Row])]; results: the
    scenarios as run (oat_scenario dicts: folder, scenario, label, outcome, started, steps
    with type, status, duration, error, commands and shots; failure.headline); labs: the lab
    summaries; measurements: the recorder's."""
    book = Workbook()
    sheets = {id(r): f"E{i:03d}" for i, r in enumerate(results, 1)}
    _cover(book.active, cover, labs, measurements)
    _items(book.create_sheet("試験項目"), traced, results, sheets, labs)
    for result in results:
        _evidence(book.create_sheet(sheets[id(result)]), result, _environment(result, labs))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


# --- 表紙 -----------------------------------------------------------------------------------

def _cover(ws: Worksheet, cover: dict, labs: list[dict], measurements: list[dict]) -> None:
    ws.title = "表紙"
    _widths(ws, [22, 40, 16, 16, 30])
    verdict = PASS if cover["passed"] else FAIL
    ws["A1"] = "試験成績書 — 運用受入テスト (oat)"
    ws["A1"].font = Font(size=16, bold=True)
    row = 3
    row = _pair(ws, row, "判定", verdict, fill=FILLS[verdict], bold=True)
    counts = "、".join(f"{name} {n}" for name, n in cover["counts"].items()) or "実行したシナリオなし"
    row = _pair(ws, row, "シナリオ", counts)
    if cover.get("trace_counts"):
        row = _pair(ws, row, "手順書の手順", "、".join(
            f"{RESULT.get(k, k)} {v}" for k, v in cover["trace_counts"].items()))
    row = _pair(ws, row, "実施期間", f"{_clock(cover['started'])} 〜 {_clock(cover['ended'])}"
                f" ({_seconds(cover['ended'] - cover['started'])})")
    row = _pair(ws, row, "試験スイート", f"oat {cover['version']}")
    if cover.get("mutants"):
        found = cover["mutants"]
        row = _pair(ws, row, "検出力", f"{found['total']} 件中 {found['killed']} 件検出 (lab/mutants の欠陥を 1 つずつ"
                    f"注入した製品で実行、oat {found.get('version', '?')})")
    for name, value in cover.get("environment", {}).items():
        row = _pair(ws, row, name, value)
    for lab in labs:
        row = _pair(ws, row, "実施環境", _lab_line(lab))

    row = _heading(ws, row + 1, "測定結果")
    if not measurements:
        ws.cell(row, 1, "このランの測定値はありません")
        row += 1
    else:
        row = _table(ws, row, ["種類", "項目", "値", "目標", "補足"],
                     [[_KINDS.get(m["kind"], m["kind"]), m["label"], _value(m),
                       _target(m), "\n".join(m.get("text", "").splitlines()[:3])] for m in measurements])

    row = _heading(ws, row + 1, "サーバ構成")
    server_rows = [[s["name"], s.get("host") or s.get("container", ""), s.get("role", ""),
                    ", ".join(f"{n}: {a}" for n, a in s.get("addresses", {}).items()),
                    lab["name"], "\n".join(f"{p} {v}" for p, v in s.get("packages", {}).items())]
                   for lab in labs for s in lab.get("servers", [])]
    if server_rows:
        row = _table(ws, row, ["サーバ (手順書)", "実ホスト", "役割", "アドレス", "ラボ", "インストール済みのバージョン"],
                     server_rows)
    else:
        ws.cell(row, 1, "このランではサーバを用意していません")
        row += 1

    row = _heading(ws, row + 1, "承認")
    _table(ws, row, ["作成", "確認", "承認", "日付", "備考"], [["", "", "", "", ""]])
    ws.row_dimensions[row + 1].height = 48
    _print_setup(ws, landscape=False)


_KINDS = {"rto": "RTO (フェイルオーバー)", "availability": "可用性", "seconds": "所要時間", "fault": "障害試験"}


def _value(m: dict) -> str:
    if m["kind"] == "fault":
        rto = "系切替なし" if m.get("rto") is None else f"RTO {m['rto']:.2f} 秒"
        return f"{rto}、両系同時稼働 {m['two_actives']:.1f} 秒、保存成功 {m['acknowledged']} 件中 消失 {m['lost']} 件"
    return f"{m['value']:.2f} %" if m["kind"] == "availability" else f"{m['value']:.2f} 秒"


def _target(m: dict) -> str:
    return "" if m.get("target") is None else f"{m['target']} 秒以内"


# --- 試験項目 ------------------------------------------------------------------------------

def _items(ws: Worksheet, traced: list, results: list[dict], sheets: dict, labs: list[dict]) -> None:
    _header(ws, ITEM_COLUMNS)
    by_label = {(r["folder"], r["label"]): r for r in results}
    row = 2
    for mapping, rows in traced:
        prefix = mapping.folder  # a project's folders are unique; documents' names need not be
        for n, trace_row in enumerate(rows, 1):
            ran = [by_label[(mapping.folder, label)] for label, _, _ in trace_row.evidence
                   if (mapping.folder, label) in by_label]
            result = RESULT[trace_row.status]
            document = f"{mapping.title} / {trace_row.item.section}" if trace_row.item.section else mapping.title
            values = [f"{prefix}-{n:03d}", document, trace_row.item.ref, trace_row.item.text,
                      _checks(trace_row, ran), trace_row.item.expected or ("確認内容のとおりであること" if ran else ""),
                      _result_text(result, trace_row, ran),
                      _clock(min(r["started"] for r in ran)) if ran and all(r.get("started") for r in ran) else "",
                      "\n".join(dict.fromkeys(_environment(r, labs, brief=True) for r in ran)),
                      ", ".join(sheets[id(r)] for r in ran)]
            for col, value in enumerate(values, 1):
                cell = _put(ws, row, col, value)
                cell.border, cell.alignment = BOX, WRAP
            status = ws.cell(row, 7)
            status.fill = PatternFill("solid", fgColor=FILLS[result])
            status.font = Font(bold=True)
            _fit_height(ws, row)
            if ran:
                link = ws.cell(row, 10)
                link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{sheets[id(ran[0])]}'!A1")
                link.font = Font(color="0563C1", underline="single")
            row += 1
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(ITEM_COLUMNS))}{max(row - 1, 1)}"
    _print_setup(ws, landscape=True)
    ws.print_title_rows = "1:1"


def _checks(trace_row, ran: list[dict]) -> str:
    """確認内容: the ならば steps (then, and the かつ that follow them) that carry out the item."""
    picked = {title for _, _, steps in trace_row.evidence for title, _, _ in steps}
    lines = []
    for result in ran:
        for step in result["steps"]:
            if step.get("type") == "then" and step["title"] in picked:
                lines.append(step["title"])
    return "\n".join(dict.fromkeys(lines))


def _result_text(result: str, trace_row, ran: list[dict]) -> str:
    if result == FAIL:
        causes = [r["failure"]["headline"] for r in ran if r.get("failure")]
        return "\n".join([FAIL, *dict.fromkeys(causes)])
    if trace_row.reason:
        return f"{result}: {trace_row.reason}"
    return result


# --- evidence ------------------------------------------------------------------------------

def _evidence(ws: Worksheet, result: dict, environment: str) -> None:
    _widths(ws, [w for _, w in EVIDENCE_COLUMNS])
    outcome = {"passed": PASS, "failed": FAIL, "cannot": CANNOT}.get(result["outcome"], NOT_DONE)
    ws["A1"] = f"エビデンス {ws.title}: {result['label']}"
    ws["A1"].font = Font(size=13, bold=True)
    ws["A2"] = f"結果 {outcome} ・ 実施日時 {_clock(result['started']) if result.get('started') else '—'} ・ {environment}"
    ws["A2"].fill = PatternFill("solid", fgColor=FILLS[outcome])
    if result.get("failure") or result.get("blocked_by") or result.get("reason"):
        ws["A3"] = (result["failure"]["headline"] if result.get("failure")
                    else f"未実行: 同じラボで先に実行した「{result['blocked_by']}」が失敗したため"
                    if result.get("blocked_by") else f"実施不可: {result['reason']}")
        ws["A3"].font = Font(bold=True, color="CF222E")
    _header(ws, EVIDENCE_COLUMNS, row=5)
    row = 6
    for number, step in enumerate(result["steps"], 1):
        colour = STEP_COLOURS.get(step["status"], "000000")
        values = [number, step["title"], step["status"], "",
                  _seconds(step["duration"]) if step["status"] != "未実行" else "", step.get("error", "")]
        for col, value in enumerate(values, 1):
            cell = _put(ws, row, col, value)
            cell.border, cell.alignment = BOX, WRAP
            cell.font = Font(bold=True, color=colour if col in (3, 6) else "000000")
            cell.fill = HEAD
        _fit_height(ws, row)
        row += 1
        for cmd in step.get("commands", []):
            output = "\n".join(part for part in (cmd.get("stdout", ""), cmd.get("stderr", "")) if part)
            values = ["", f"$ {cmd['command']}", "\n".join(filter(None, (cmd["server"], cmd.get("via")))),
                      "例外" if cmd.get("exit_code") is None else cmd["exit_code"],
                      _seconds(cmd["duration"]), output or "(出力なし)"]
            for col, value in enumerate(values, 1):
                cell = _put(ws, row, col, value)
                cell.border, cell.alignment = BOX, WRAP
                cell.font = Font(name="Noto Sans Mono CJK JP", size=9,
                                 color="CF222E" if col == 4 and cmd.get("exit_code") != 0 else "000000")
            _fit_height(ws, row)
            row += 1
        for shot in step.get("shots", []):
            _put(ws, row, 2, shot["name"]).font = Font(italic=True)
            row = _picture(ws, row + 1, shot["png"])
    _print_setup(ws, landscape=True)
    ws.print_title_rows = "5:5"


def _picture(ws: Worksheet, row: int, png_base64: str) -> int:
    """Embed a screenshot at column B of `row`; returns the first row below it."""
    image = Image(io.BytesIO(base64.b64decode(png_base64)))
    if image.width > SHOT_WIDTH:
        image.height = round(image.height * SHOT_WIDTH / image.width)
        image.width = SHOT_WIDTH
    ws.add_image(image, f"B{row}")
    return row + image.height // ROW_PIXELS + 2


# --- cells ---------------------------------------------------------------------------------

def _put(ws: Worksheet, row: int, col: int, value):
    """A cell holding `value` as data: text is clipped, stripped of control characters and
    kept a string even when it starts with '=' (command output is not a formula)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", _clip(value))
    cell = ws.cell(row, col, value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _fit_height(ws: Worksheet, row: int) -> None:
    """Make a row tall enough for its wrapped text: spreadsheets do not grow rows that a
    generated file did not size (LibreOffice keeps them one line high)."""
    points = LINE_POINTS
    for cell in ws[row]:
        if isinstance(cell.value, str):
            scale = (cell.font.sz or 11) / 11  # column widths count characters of the 11 pt font
            width = max(ws.column_dimensions[cell.column_letter].width or 10, 4) / scale
            lines = sum(ceil(max(_display_width(line), 1) / width) for line in cell.value.split("\n"))
            points = max(points, LINE_POINTS * scale * lines)
    ws.row_dimensions[row].height = min(points + 4, 409)  # 409 pt: a row's limit


def _display_width(text: str) -> int:
    """Columns the text takes: a full-width (Japanese) character takes two."""
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str) -> str:
    if len(text) <= CELL_LIMIT:
        return text
    return text[:CELL_LIMIT] + f"\n… ({len(text) - CELL_LIMIT} 文字省略。全文は report.html)"


def _header(ws: Worksheet, columns: list[tuple[str, int]], row: int = 1) -> None:
    for col, (name, width) in enumerate(columns, 1):
        cell = ws.cell(row, col, name)
        cell.font, cell.fill, cell.border, cell.alignment = Font(bold=True), HEAD, BOX, WRAP
        ws.column_dimensions[get_column_letter(col)].width = width


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _pair(ws: Worksheet, row: int, name: str, value: str, fill: str = "", bold: bool = False) -> int:
    key = ws.cell(row, 1, name)
    key.font, key.fill, key.border, key.alignment = Font(bold=True), HEAD, BOX, WRAP
    cell = _put(ws, row, 2, value)
    cell.border, cell.alignment = BOX, WRAP
    ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=5)
    if fill:
        cell.fill = PatternFill("solid", fgColor=fill)
    if bold:
        cell.font = Font(bold=True, size=14)
    _fit_height(ws, row)
    return row + 1


def _heading(ws: Worksheet, row: int, text: str) -> int:
    ws.cell(row, 1, text).font = Font(size=13, bold=True)
    return row + 1


def _table(ws: Worksheet, row: int, header: list[str], rows: list[list]) -> int:
    for col, name in enumerate(header, 1):
        cell = ws.cell(row, col, name)
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD, BOX
    for values in rows:
        row += 1
        for col, value in enumerate(values, 1):
            cell = _put(ws, row, col, value)
            cell.border, cell.alignment = BOX, WRAP
        _fit_height(ws, row)
    return row + 1


def _print_setup(ws: Worksheet, landscape: bool) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.oddFooter.center.text = "&A — &P / &N"


# --- words ---------------------------------------------------------------------------------

def _environment(result: dict, labs: list[dict], brief: bool = False) -> str:
    """Where a scenario ran: the lab of its feature folder (or every lab when none matches)."""
    found = [lab for lab in labs if lab["name"] == result.get("folder")] or labs
    return " / ".join(_lab_line(lab, brief) for lab in found)


def _lab_line(lab: dict, brief: bool = False) -> str:
    if brief:  # the cover and each evidence sheet say the rest
        return f"ラボ {lab['name']} (ラン {lab['run_id']})"
    networks = ", ".join(f"{n} {s}" for n, s in lab.get("networks", {}).items())
    engine = f" ・ {lab['engine']}" if lab.get("engine") else ""
    moved = "".join(f" ・ 手順書と異なるアドレス: {line}" for line in lab.get("relocated", []))
    return f"ラボ {lab['name']} (ラン {lab['run_id']}, {networks}){engine}{moved}"
