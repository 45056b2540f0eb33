"""試験成績書: the run as the spreadsheet operations teams sign and file (reports/試験成績書.xlsx).

Sheets, in the order Japanese sign-off reads them:
- 表紙: the 作成・確認・承認 box to sign (印/署名 and 日付), then verdict, counts, period, 実施者,
  suite, environment, measurements and servers;
- 集計: 網羅率 (documented steps carried out of all), and counts per 判定, per document and
  per server;
- 試験項目: one row per documented step (the traceability's rows), in the columns reviewers
  know: No, 大項目, 中項目, テスト概要, 前提条件, 手順, 入力値, 期待結果, 判定, 実施日, 実施者,
  エビデンス (its text, the screenshots as pictures in the row, a link to its sheet) and 備考;
- E001, E002 …: one evidence sheet per scenario (its steps, every command with server, exit
  status, output and duration, and the screenshots as pictures).

A pure function of the run's plain data (the same dicts the HTML report is made from), so it
is tested without a lab. Commands were masked when recorded; the texts here are written as
strings only (never as formulas) and stripped of what a spreadsheet cannot hold.
"""

from __future__ import annotations

import base64
import io
import re
import time
from math import ceil
from pathlib import Path
from unicodedata import east_asian_width

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.units import pixels_to_EMU
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from oat.record.outcome import Outcome, Verdict, verdict_of
from oat.record.timewords import clock as _clock
from oat.record.timewords import seconds as _seconds
from oat.render import measured

# The 判定 words (oat.record.outcome's), in the order the counts list them.
WORDS = tuple(outcome.word for outcome in Outcome)
PASS, FAIL, ERROR, CANNOT, WAIVED, NOT_DONE = (
    Outcome.PASSED.word,
    Outcome.FAILED.word,
    Outcome.ERROR.word,
    Outcome.CANNOT.word,
    Outcome.WAIVED.word,
    Outcome.NOT_RUN.word,
)
CHECKED = (Outcome.PASSED, Outcome.FAILED, Outcome.WAIVED)  # a documented step whose checks ran and gave a result
LEFT_OUT = (Outcome.NOT_RUN, Outcome.CANNOT)  # a scenario whose steps did not run
# The words of records written before oat.record.outcome (an earlier run's oat-run.json, merged).
_EARLIER = {
    "成功": Outcome.PASSED,
    "失敗": Outcome.FAILED,
    "未実行": Outcome.NOT_RUN,
    "blocked": Outcome.NOT_RUN,
    "skipped": Outcome.CANNOT,
}
STEP_COLOURS = {Outcome.PASSED: "1A7F37", Outcome.FAILED: "CF222E", Outcome.ERROR: "BC4C00", Outcome.WAIVED: "0969DA"}
FILLS = {
    PASS: "DAFBE1",
    FAIL: "FFD8D3",
    ERROR: "FFE2C2",
    CANNOT: "FFF1C2",
    WAIVED: "DDF4FF",
    NOT_DONE: "FFD8D3",
    Verdict.INTERRUPTED.word: "EAEEF2",
}
# The item sheet's columns: (heading, the heading under it when it groups several, width in
# characters). Two header rows: 種目 over 大項目 and 中項目, エビデンス over its text (with the
# screenshots) and the link to its sheet (LibreOffice shows a linked cell on one line only).
ITEM_COLUMNS = [
    ("No", "", 10),
    ("種目", "大項目", 14),
    ("種目", "中項目", 15),
    ("テスト概要", "", 20),
    ("前提条件", "", 26),
    ("手順", "", 34),
    ("入力値", "", 20),
    ("期待結果", "", 30),
    ("判定", "", 8),
    ("実施日", "", 11),
    ("実施者", "", 10),
    ("エビデンス", "内容", 40),
    ("エビデンス", "シート", 8),
    ("備考", "", 26),
]
COLUMN = {under or name: number for number, (name, under, _) in enumerate(ITEM_COLUMNS, 1)}
HEADER_ROWS = 2
EVIDENCE_COLUMNS = [
    ("No", 5),
    ("ステップ / コマンド", 60),
    ("結果・サーバ", 14),
    ("終了コード", 9),
    ("所要時間", 10),
    ("出力 (標準出力・標準エラー出力)", 80),
]
CELL_LIMIT = 4000  # characters of one output in a cell; the HTML report keeps the whole text
SHOT_WIDTH = 720  # pixels of a screenshot on its sheet
ROW_PIXELS = 20  # a default row's height, to leave room under a picture
LINE_POINTS = 13  # the height of one line of text in a row
ROW_LIMIT = 409  # points: the tallest row a spreadsheet allows
THUMB_WIDTH, THUMB_HEIGHT = 280, 180  # pixels at most of a screenshot in an item's エビデンス cell
EVIDENCE_LINES = 24  # lines of an item's エビデンス text; its sheet has the rest

THIN = Side(style="thin", color="BBBBBB")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="DDE3EA")
WRAP = Alignment(wrap_text=True, vertical="top")


def write(
    path: Path, *, cover: dict, traced: list, results: list[dict], labs: list[dict], measurements: list[dict]
) -> Path:
    """Write the workbook; returns its path.

    cover: {"passed", "counts", "started", "ended", "version", "environment": {name: value},
    "trace_counts", "tester"}; traced: [(traceability.Mapping, [trace.Row])]; results:
    the scenarios as run (oat_scenario dicts: folder, scenario, label, outcome, started, tester,
    steps with type, status, duration, error, commands, shots, docstring and table;
    failure.headline); labs: the lab summaries; measurements: the recorder's."""
    book = Workbook()
    sheets = {id(r): f"E{i:03d}" for i, r in enumerate(results, 1)}
    _cover(book.active, cover, labs, measurements)
    _summary(book.create_sheet("集計"), traced, results, labs)
    _items(book.create_sheet("試験項目"), traced, results, sheets, labs)
    for result in results:
        _evidence(book.create_sheet(sheets[id(result)]), result, _environment(result, labs))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def outcome_of(value) -> Outcome:
    """The Outcome a record's status or outcome names (its id, its word, or an earlier word)."""
    try:
        return Outcome.of(value)
    except ValueError:
        return _EARLIER.get(value, Outcome.NOT_RUN)


def word(value) -> str:
    return outcome_of(value).word


# --- 表紙 -----------------------------------------------------------------------------------

SIGNERS = ("承認", "確認", "作成")  # left to right, as a Japanese sign-off box reads


def _cover(ws: Worksheet, cover: dict, labs: list[dict], measurements: list[dict]) -> None:
    ws.title = "表紙"
    _widths(ws, [22, 24, 24, 24, 24])
    verdict = verdict_of(cover).word
    ws["A1"] = "試験成績書 — 運用受入テスト (oat)"
    ws["A1"].font = Font(size=16, bold=True)
    row = _signoff(ws, 2)
    row = _pair(ws, row + 1, "判定", verdict, fill=FILLS[verdict], bold=True)
    counts = "、".join(f"{name} {n}" for name, n in cover["counts"].items()) or "実行したシナリオなし"
    row = _pair(ws, row, "シナリオ", counts)
    if cover.get("trace_counts"):
        row = _pair(ws, row, "手順書の手順", "、".join(f"{word(k)} {v}" for k, v in cover["trace_counts"].items()))
    row = _pair(
        ws,
        row,
        "実施期間",
        f"{_clock(cover['started'])} 〜 {_clock(cover['ended'])} ({_seconds(cover['ended'] - cover['started'])})",
    )
    if cover.get("tester"):
        row = _pair(ws, row, "実施者", cover["tester"])
    row = _pair(ws, row, "試験スイート", f"oat {cover['version']}")
    if cover.get("mutants"):
        found = cover["mutants"]
        row = _pair(
            ws,
            row,
            "検出力",
            f"{found['total']} 件中 {found['killed']} 件検出 (lab/mutants の欠陥を 1 つずつ"
            f"注入した製品で実行、oat {found.get('version', '?')})",
        )
    for name, value in cover.get("environment", {}).items():
        row = _pair(ws, row, name, value)
    for lab in labs:
        row = _pair(ws, row, "実施環境", _lab_line(lab))

    row = _heading(ws, row + 1, "測定結果")
    if not measurements:
        ws.cell(row, 1, "このランの測定値はありません")
        row += 1
    else:
        first = row + 1
        row = _table(
            ws,
            row,
            ["種類", "項目", "値", "目標", "判定", "補足"],
            [line for m in measurements for line in _measured(m)],
        )
        for cell in (ws.cell(r, 5) for r in range(first, row)):  # 達成 green, 未達 red
            if cell.value in (measured.MET, measured.MISSED):
                cell.fill = PatternFill("solid", fgColor=FILLS[PASS if cell.value == measured.MET else FAIL])

    row = _heading(ws, row + 1, "サーバ構成")
    server_rows = [
        [
            s["name"],
            s.get("host") or s.get("container", ""),
            s.get("role", ""),
            ", ".join(f"{n}: {a}" for n, a in s.get("addresses", {}).items()),
            lab["name"],
            "\n".join(f"{p} {v}" for p, v in s.get("packages", {}).items()),
        ]
        for lab in labs
        for s in lab.get("servers", [])
    ]
    if server_rows:
        _table(
            ws,
            row,
            ["サーバ (手順書)", "実ホスト", "役割", "アドレス", "ラボ", "インストール済みのバージョン"],
            server_rows,
        )
    else:
        ws.cell(row, 1, "このランではサーバを用意していません")
    _print_setup(ws, landscape=False)


def _signoff(ws: Worksheet, row: int) -> int:
    """The 作成・確認・承認 box at the cover's top right: for each role a cell to stamp or sign
    and a cell for the date, left empty. Returns the row below it."""
    ws.cell(row, 2, "作成・確認・承認").font = Font(bold=True)
    for col, role in enumerate(SIGNERS, 3):
        head = ws.cell(row, col, role)
        head.font, head.fill, head.border = Font(bold=True), HEAD, BOX
        head.alignment = Alignment(horizontal="center")
    for offset, label in ((1, "印/署名"), (2, "日付")):
        name = ws.cell(row + offset, 2, label)
        name.font, name.alignment = Font(bold=True), Alignment(horizontal="right", vertical="center")
        for col in range(3, 3 + len(SIGNERS)):
            ws.cell(row + offset, col).border = BOX
    ws.row_dimensions[row + 1].height = 54  # room for a seal
    ws.row_dimensions[row + 2].height = 20
    return row + 3


_KINDS = {"rto": "RTO (フェイルオーバー)", "availability": "可用性", "seconds": "所要時間", "fault": "障害試験"}


def _measured(m: dict) -> list[list]:
    """A measurement's rows (種類, 項目, 値, 目標, 判定, 補足): a fault's one per objective, each
    measured against it; a failover's RTO against its 目標復旧時間."""
    kind, note = _KINDS.get(m["kind"], m["kind"]), "\n".join(m.get("text", "").splitlines()[:3])
    if m["kind"] == "fault":
        row = measured.fault(m)
        notes = {row.recovery.what: note, row.lost.what: f"保存成功 {m['acknowledged']} 件"}
        return [
            [kind, f"{m['label']}: {a.what}", a.measured, a.objective, a.verdict, notes.get(a.what, "")]
            for a in row.all()
        ]
    if m["kind"] == "rto":
        a = measured.recovery(m)
        return [[kind, m["label"], a.measured, a.objective, a.verdict, note]]
    return [[kind, m["label"], _value(m), _target(m), "", note]]


def _value(m: dict) -> str:
    return f"{m['value']:.2f} %" if m["kind"] == "availability" else f"{m['value']:.2f} 秒"


def _target(m: dict) -> str:
    return "" if m.get("target") is None else f"{m['target']} 秒以内"


# --- 集計 ------------------------------------------------------------------------------------


def _summary(ws: Worksheet, traced: list, results: list[dict], labs: list[dict]) -> None:
    """網羅率 and the counts per 判定, per document and per server."""
    _widths(ws, [38, 16, 10, *[9] * len(WORDS), 16, 12])
    ws["A1"] = "集計"
    ws["A1"].font = Font(size=16, bold=True)
    rows = [row for _, found in traced for row in found]
    verdicts = _count(word(row.status) for row in rows)
    checked = _checked(verdicts)
    row = _heading(ws, 3, "網羅率")
    row = _table(
        ws,
        row,
        ["項目", "件数・割合"],
        [
            ["手順書の手順 (試験項目)", len(rows)],
            [f"実施した手順 ({' + '.join(o.word for o in CHECKED)})", checked],
            ["網羅率 (実施した手順 / 手順書の手順)", _rate(checked, len(rows))],
            [f"網羅率 ({CANNOT}を除く)", _rate(checked, len(rows) - verdicts[CANNOT])],
        ],
    )
    scenarios = _count(_scenario_result(r) for r in results)
    row = _heading(ws, row + 1, "判定別の件数")
    row = _table(
        ws,
        row,
        ["判定", "試験項目", "シナリオ"],
        [[name, verdicts[name], scenarios[name]] for name in WORDS] + [["計", len(rows), len(results)]],
    )
    row = _heading(ws, row + 1, "手順書別")
    per_document = []
    for mapping, found in traced:
        counted = _count(word(r.status) for r in found)
        per_document.append(
            [
                mapping.title or mapping.document,
                mapping.folder,
                len(found),
                *counted.values(),
                _rate(_checked(counted), len(found)),
            ]
        )
    row = _table(
        ws,
        row,
        ["手順書", "フォルダ", "試験項目", *WORDS, "網羅率"],
        per_document or [["このランの手順書はありません", "", 0, *_count([]).values(), "—"]],
    )
    row = _heading(ws, row + 1, "サーバ別 (コマンドを実行したシナリオ)")
    _table(
        ws,
        row,
        ["サーバ (手順書)", "実ホスト", "ラボ", *WORDS, "コマンド", "終了コード≠0"],
        _servers(results, labs)
        or [["このランではサーバでコマンドを実行していません", "", "", *_count([]).values(), 0, 0]],
    )
    _print_setup(ws, landscape=True)


def _count(words) -> dict[str, int]:
    counted = dict.fromkeys(WORDS, 0)
    for found in words:
        counted[found] += 1
    return counted


def _checked(counted: dict[str, int]) -> int:
    return sum(counted[o.word] for o in CHECKED)


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} % ({part} / {whole})" if whole > 0 else "—"


def _scenario_result(result: dict) -> str:
    return word(result.get("outcome"))


def _servers(results: list[dict], labs: list[dict]) -> list[list]:
    """Per server: its scenarios by 判定, the commands run on it and how many exited non-zero.
    A server is its lab's (a feature folder's, and a shard's in a merged run) by its name in
    the document."""
    hosts, order = {}, []
    for lab in labs:
        for server in lab.get("servers", []):
            key = (lab["name"], lab.get("shard", ""), server["name"])
            hosts[key] = server.get("host") or server.get("container", "")
            order.append(key)
    found: dict[tuple, dict] = {}
    for result in results:
        touched = set()
        for step in result.get("steps", []):
            for command in step.get("commands", []):
                key = (result["folder"], result.get("shard", ""), command["server"])
                entry = found.setdefault(key, {"verdicts": _count([]), "commands": 0, "nonzero": 0})
                entry["commands"] += 1
                entry["nonzero"] += command.get("exit_code") != 0
                touched.add(key)
        for key in touched:
            found[key]["verdicts"][_scenario_result(result)] += 1
    keys = [k for k in order if k in found] + sorted(k for k in found if k not in hosts)
    return [
        [
            server,
            hosts.get((lab, shard, server), ""),
            f"{lab} 〔{shard}〕" if shard else lab,
            *found[(lab, shard, server)]["verdicts"].values(),
            found[(lab, shard, server)]["commands"],
            found[(lab, shard, server)]["nonzero"],
        ]
        for lab, shard, server in keys
    ]


# --- 試験項目 ------------------------------------------------------------------------------


def _items(ws: Worksheet, traced: list, results: list[dict], sheets: dict, labs: list[dict]) -> None:
    _item_header(ws)
    by_label = {(r["folder"], r["label"]): r for r in results}
    place = {id(r): i for i, r in enumerate(results)}
    row = HEADER_ROWS + 1
    for mapping, rows in traced:
        prefix = mapping.folder  # a project's folders are unique; documents' names need not be
        for n, trace_row in enumerate(rows, 1):
            item = trace_row.item
            ran = [
                by_label[(mapping.folder, label)]
                for label, _, _ in trace_row.evidence
                if (mapping.folder, label) in by_label
            ]
            picked = {label: {title for title, _, _ in steps} for label, _, steps in trace_row.evidence}
            result = word(trace_row.status)
            given = [s for r in ran for s in r["steps"] if s.get("type") == "given"]
            when = [
                s
                for r in ran
                for s in r["steps"]
                if s.get("type") == "when" and s["title"] in picked.get(r["label"], ())
            ]
            checks = [
                s["title"]
                for r in ran
                for s in r["steps"]
                if s.get("type") == "then" and s["title"] in picked.get(r["label"], ())
            ]
            acted = [r for r in ran if outcome_of(r.get("outcome")) not in LEFT_OUT]  # who carried it out, and when
            started = [r["started"] for r in acted if r.get("started")]
            values = {
                "No": f"{prefix}-{n:03d}",
                "大項目": f"{mapping.title} / {item.section}" if item.section else mapping.title,
                "中項目": item.ref,
                "テスト概要": item.text,
                "前提条件": _lines([s["title"] for s in given] + [_earlier(r, results[: place[id(r)]]) for r in ran]),
                "手順": "\n".join(f"{i}. {title}" for i, title in enumerate(dict.fromkeys(s["title"] for s in when), 1))
                or item.text,
                "入力値": _lines(v for s in given + when for v in _inputs(s)),
                "期待結果": item.expected or _lines(checks),
                "判定": result,
                "実施日": time.strftime("%Y-%m-%d", time.localtime(min(started))) if started else "",
                "実施者": _lines(r.get("tester") for r in acted),
                "内容": _evidence_text(ran, picked, sheets),
                "シート": "\n".join(sheets[id(r)] for r in ran),
                "備考": _lines([_remark(result, trace_row, ran), *(_environment(r, labs, brief=True) for r in ran)]),
            }
            for name, value in values.items():
                cell = _put(ws, row, COLUMN[name], value)
                cell.border, cell.alignment = BOX, WRAP
            status = ws.cell(row, COLUMN["判定"])
            status.fill = PatternFill("solid", fgColor=FILLS[result])
            status.font = Font(bold=True)
            shots = [
                shot
                for r in ran
                for s in r["steps"]
                if s["title"] in picked.get(r["label"], ())
                for shot in s.get("shots", [])
            ]
            _thumbnails(ws, row, COLUMN["内容"], shots, sheets[id(ran[0])] if ran else "")
            if ran:
                link = ws.cell(row, COLUMN["シート"])
                link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{sheets[id(ran[0])]}'!A1")
                link.font = Font(color="0563C1", underline="single")
            row += 1
    ws.freeze_panes = f"B{HEADER_ROWS + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROWS}:{get_column_letter(len(ITEM_COLUMNS))}{max(row - 1, HEADER_ROWS)}"
    _print_setup(ws, landscape=True)
    ws.print_title_rows = f"1:{HEADER_ROWS}"


def _item_header(ws: Worksheet) -> None:
    """Two rows: a heading over the columns it groups, else one heading over both rows."""
    for col, (name, under, width) in enumerate(ITEM_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
        for row, text in ((1, name), (2, under)):
            cell = ws.cell(row, col, text or None)
            cell.font, cell.fill, cell.border = Font(bold=True), HEAD, BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if not under:
            ws.merge_cells(start_row=1, start_column=col, end_row=2, end_column=col)
    for name in dict.fromkeys(name for name, under, _ in ITEM_COLUMNS if under):
        cols = [c for c, (n, under, _) in enumerate(ITEM_COLUMNS, 1) if n == name]
        ws.merge_cells(start_row=1, start_column=cols[0], end_row=1, end_column=cols[-1])


def _lines(texts) -> str:
    """Texts one per line, each once, in their order; empty ones left out."""
    return "\n".join(dict.fromkeys(t for t in texts if t))


def _earlier(result: dict, before: list[dict]) -> str:
    """The state a scenario builds on: its folder's scenarios run before it on the same lab."""
    earlier = [r for r in before if r["folder"] == result["folder"] and r.get("shard") == result.get("shard")]
    if not earlier:
        return ""
    return f"同じラボで先に実施したシナリオ {len(earlier)} 件の後 (直前: 「{earlier[-1]['label']}」)"


_QUOTED = re.compile(r'"([^"\n]+)"|「([^」\n]+)」')
DOC_LINES = 12  # lines of a step's docstring in 入力値


def _inputs(step: dict) -> list[str]:
    """The values a step uses: its quoted words, its docstring and its table (as recorded,
    so masked, and with their placeholders, never a secret's value)."""
    found = [f"「{a or b}」" for a, b in _QUOTED.findall(step["title"])]
    if step.get("docstring"):
        lines = step["docstring"].splitlines()
        more = [f"… (全 {len(lines)} 行)"] if len(lines) > DOC_LINES else []
        found.append("\n".join([f"[文書] {step['title']}:", *lines[:DOC_LINES], *more]))
    if step.get("table"):
        found.append("\n".join([f"[表] {step['title']}:", *(" | ".join(map(str, r)) for r in step["table"])]))
    return found


def _evidence_text(ran: list[dict], picked: dict, sheets: dict) -> str:
    """The evidence of an item in a few lines: per scenario its sheet, each step that carries
    out the item with its result, and the commands it ran with their exit status and the
    start of their output. The sheet has everything."""
    lines = []
    for result in ran:
        lines.append(f"{sheets[id(result)]}: 「{result['label']}」 {_scenario_result(result)}")
        for step in result["steps"]:
            if step["title"] not in picked.get(result["label"], ()):
                continue
            status = outcome_of(step["status"])
            took = f" ({_seconds(step['duration'])})" if status != Outcome.NOT_RUN else ""
            lines.append(f"{status.word}: {step['title']}{took}")
            if step.get("error"):
                lines.append(f"  {step['error']}")
            for command in step.get("commands", []):
                code = "例外" if command.get("exit_code") is None else command["exit_code"]
                lines.append(f"  $ {_line(command['command'])} [{command['server']}, 終了コード {code}]")
                output = (command.get("stdout") or command.get("stderr") or "").strip().splitlines()
                lines.extend(f"    {_line(text)}" for text in output[:2])
            for shot in step.get("shots", []):
                lines.append(f"  画面: {shot['name']}")
    if len(lines) > EVIDENCE_LINES:
        rest = len(lines) - EVIDENCE_LINES + 1
        lines = lines[: EVIDENCE_LINES - 1] + [f"… ほか {rest} 行は {', '.join(sheets[id(r)] for r in ran)}"]
    return "\n".join(lines)


def _line(text: str, limit: int = 100) -> str:
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= limit else text[:limit] + " …"


def _remark(result: str, trace_row, ran: list[dict]) -> str:
    """備考: why an item did not pass (the failure's cause, or why it was not carried out)."""
    if result in (FAIL, ERROR):
        return _lines(r["failure"]["headline"] for r in ran if r.get("failure"))
    return trace_row.reason


def _thumbnails(ws: Worksheet, row: int, col: int, shots: list[dict], sheet: str) -> None:
    """Size the row for its text, and put the screenshots under the text of the cell at `col`,
    as many as the tallest row allows (the evidence sheet has them all, full size)."""
    text = _text_points(ws, ws.cell(row, col))
    tallest = max(_text_points(ws, cell) for cell in ws[row])
    room = ROW_LIMIT - 4 - text
    top, placed = text, 0
    for shot in shots:
        image = Image(io.BytesIO(base64.b64decode(shot["png"])))
        scale = min(1.0, THUMB_WIDTH / image.width, THUMB_HEIGHT / image.height, room * 4 / 3 / image.height)
        width, height = round(image.width * scale), round(image.height * scale)
        if height < 40:  # no room left for a picture one can read
            break
        image.width, image.height = width, height
        image.anchor = OneCellAnchor(
            _from=AnchorMarker(
                col=col - 1, colOff=pixels_to_EMU(4), row=row - 1, rowOff=pixels_to_EMU(round(top * 4 / 3))
            ),
            ext=XDRPositiveSize2D(pixels_to_EMU(width), pixels_to_EMU(height)),
        )
        ws.add_image(image)
        top += height * 3 / 4 + 4
        room -= height * 3 / 4 + 4
        placed += 1
    if placed < len(shots):
        cell = ws.cell(row, col)
        cell.value = f"{cell.value}\n(画面 {len(shots) - placed} 枚は {sheet})"
        top = max(top, _text_points(ws, cell))
    ws.row_dimensions[row].height = min(max(tallest, top) + 4, ROW_LIMIT)


# --- evidence ------------------------------------------------------------------------------


def _evidence(ws: Worksheet, result: dict, environment: str) -> None:
    _widths(ws, [w for _, w in EVIDENCE_COLUMNS])
    outcome = word(result["outcome"])
    ws["A1"] = f"エビデンス {ws.title}: {result['label']}"
    ws["A1"].font = Font(size=13, bold=True)
    ws["A2"] = (
        f"結果 {outcome} ・ 実施日時 {_clock(result['started']) if result.get('started') else '—'} ・ {environment}"
    )
    ws["A2"].fill = PatternFill("solid", fgColor=FILLS[outcome])
    if result.get("failure") or result.get("blocked_by") or result.get("reason"):
        ws["A3"] = (
            result["failure"]["headline"]
            if result.get("failure")
            else f"{NOT_DONE}: 同じラボで先に実行した「{result['blocked_by']}」が失敗したため"
            if result.get("blocked_by")
            else f"{CANNOT}: {result['reason']}"
        )
        ws["A3"].font = Font(bold=True, color="CF222E")
    if (result.get("waiver") or {}).get("text"):
        ws["A4"] = f"{WAIVED}: {result['waiver']['text']}"
        ws["A4"].font = Font(bold=True, color=STEP_COLOURS[Outcome.WAIVED])
    _header(ws, EVIDENCE_COLUMNS, row=5)
    row = 6
    for number, step in enumerate(result["steps"], 1):
        status = outcome_of(step["status"])
        colour = STEP_COLOURS.get(status, "8C959F")
        values = [
            number,
            step["title"],
            status.word,
            "",
            _seconds(step["duration"]) if status != Outcome.NOT_RUN else "",
            step.get("error", ""),
        ]
        for col, value in enumerate(values, 1):
            cell = _put(ws, row, col, value)
            cell.border, cell.alignment = BOX, WRAP
            cell.font = Font(bold=True, color=colour if col in (3, 6) else "000000")
            cell.fill = HEAD
        _fit_height(ws, row)
        row += 1
        for cmd in step.get("commands", []):
            output = "\n".join(part for part in (cmd.get("stdout", ""), cmd.get("stderr", "")) if part)
            values = [
                "",
                f"$ {cmd['command']}",
                "\n".join(filter(None, (cmd["server"], cmd.get("via")))),
                "例外" if cmd.get("exit_code") is None else cmd["exit_code"],
                _seconds(cmd["duration"]),
                output or "(出力なし)",
            ]
            for col, value in enumerate(values, 1):
                cell = _put(ws, row, col, value)
                cell.border, cell.alignment = BOX, WRAP
                cell.font = Font(
                    name="Noto Sans Mono CJK JP",
                    size=9,
                    color="CF222E" if col == 4 and cmd.get("exit_code") != 0 else "000000",
                )
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
    ws.row_dimensions[row].height = min(max(_text_points(ws, cell) for cell in ws[row]) + 4, ROW_LIMIT)


def _text_points(ws: Worksheet, cell, width: float | None = None) -> float:
    """The height a cell's wrapped text takes, in points (`width`: of merged cells, in characters)."""
    if not isinstance(cell.value, str):
        return LINE_POINTS
    scale = (cell.font.sz or 11) / 11  # column widths count characters of the 11 pt font
    width = max(width or ws.column_dimensions[cell.column_letter].width or 10, 4) / scale
    lines = sum(ceil(max(_display_width(line), 1) / width) for line in cell.value.split("\n"))
    return max(LINE_POINTS, LINE_POINTS * scale * lines)


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
    merged = sum(ws.column_dimensions[get_column_letter(col)].width or 10 for col in range(2, 6))
    ws.row_dimensions[row].height = min(max(_text_points(ws, key), _text_points(ws, cell, merged)) + 4, ROW_LIMIT)
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
