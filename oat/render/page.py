"""report.html: the operator report as one self-contained page in Japanese, for a single run
and for a merged one alike, made from the run record (oat.record.merge.single or .combine).

A merged run adds what only it has (its shards, the scenarios they disagree on, the documents
no shard set out to run); a single run adds its history strip. Every value is escaped.
"""

from __future__ import annotations

import base64
from dataclasses import fields
from html import escape

from oat.record import merge
from oat.record.evidence import Attachment, Command, Step
from oat.record.history import Line
from oat.record.outcome import Outcome, counts_line
from oat.record.timewords import clock, seconds
from oat.render.history import render_html as render_history
from oat.render.report import (
    STYLE,
    render_cover,
    render_errata,
    render_lab,
    render_measurements,
    render_steps,
    render_traceability,
    render_waiver,
)

TITLE = "運用受入テスト報告書 (oat)"


def render_html(run: dict, history: tuple[list[Line], int] | None = None) -> str:
    """The page, in this order: cover, (the shards), traceability, measurements, errata, labs,
    (the history), scenarios. `run`: merge.single() or merge.combine(); `history`: the lines
    of oat.record.history.view and how many runs they come from."""
    cover, shards = run["cover"], run.get("shards", [])
    parts = [
        '<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">',
        f"<title>{TITLE}" + (f" — シャード {len(shards)} 件の統合" if shards else "") + "</title>",
        "<style>body { font-family: 'Noto Sans CJK JP', 'Noto Sans JP', sans-serif; margin: 16px 24px;"
        " font-size: 14px; } h1 { font-size: 22px; }</style>",
        STYLE,
        "</head><body>",
        f"<h1>{TITLE}</h1>",
    ]
    if shards:
        parts.append(
            f"<p>シャード {len(shards)} 件 ({escape('、'.join(s.name for s in shards))}) の結果を 1 つにまとめた"
            "報告書です。判定は、すべてのシャードが合格し、実行対象のフォルダの手順書の手順に未実施が残っていない"
            "ときに合格です。</p>"
        )
    elif run.get("run_id"):
        parts.append(f"<p>ラン ID {escape(run['run_id'])}</p>")
    parts += [
        render_cover(cover),
        _render_conflicts(run.get("conflicts", [])),
        _render_shards(shards) if shards else "",
        "<h2>トレーサビリティ (手順書の手順と実施結果)</h2>",
        "".join(render_traceability(m, rows) for m, rows in run["traced"])
        or "<p>実行対象のフォルダに手順書の対応表はありません。</p>",
    ]
    if run.get("outside"):
        parts.append(
            "<h3>対象外の手順書 (どのシャードも実行していないフォルダ。判定には含めません)</h3>"
            + "".join(
                f"<details><summary>{escape(m.title)} ({escape(m.folder)})</summary>"
                f"{render_traceability(m, rows)}</details>"
                for m, rows in run["outside"]
            )
        )
    if run.get("notes"):
        parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in run["notes"]) + "</ul>")
    parts.append(render_measurements(run["measurements"]))
    if run["errata"]:
        parts.append(render_errata(run["errata"]))
    labs = [dict(lab, setup_commands=[_command(c) for c in lab.get("setup_commands", [])]) for lab in run["labs"]]
    parts.append(render_lab(labs, cover["started"], cover["ended"]))
    if history and history[0]:
        parts.append(render_history(*history))
    parts.append(_render_scenarios(run["results"]))
    parts.append("</body></html>\n")
    return "".join(parts)


def _render_conflicts(conflicts) -> str:
    if not conflicts:
        return ""
    return (
        "<h3>シャードによって結果が異なるシナリオ</h3><ul>"
        + "".join(
            f"<li>{escape(name)}: " + "、".join(escape(f"{Outcome.of(o).word} ({s})") for s, o in found) + "</li>"
            for name, found in conflicts
        )
        + "</ul>"
    )


def _render_shards(shards: list[merge.Shard]) -> str:
    rows = []
    for s in shards:
        cover = s.run["cover"]
        rows.append(
            f'<tr><td>{escape(s.name)}</td><td class="oat-status oat-{s.verdict.value}">'
            f"{s.verdict.word}</td><td>{escape(counts_line(cover['counts']))}</td>"
            f"<td>{clock(cover['started'])} 〜 {clock(cover['ended'])}</td>"
            f"<td>{escape(str(cover['version']))}</td><td>{escape(s.run['run_id'])}</td>"
            f"<td>{s.run.get('exitstatus', '?')}</td><td>{escape(str(s.path))}</td></tr>"
        )
    return (
        '<h2>シャード</h2><table class="oat-lab"><tr><th>シャード</th><th>判定</th><th>シナリオ</th>'
        "<th>期間</th><th>試験スイートの版</th><th>ラン ID</th><th>終了コード</th><th>ディレクトリ</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _render_scenarios(results: list[dict]) -> str:
    """An index of the scenarios, then each: its outcome, why it is not 合格, its steps with
    their evidence, and pytest's own output when it failed."""
    sharded = any(r.get("shard") for r in results)
    index, sections = [], []
    for n, r in enumerate(results, 1):
        outcome = Outcome.of(r["outcome"])
        took = sum(s.get("duration", 0.0) for s in r.get("steps", []))
        shard = f"<td>{escape(r.get('shard', ''))}</td>" if sharded else ""
        index.append(
            f'<tr><td class="oat-status oat-{outcome.value}">{outcome.word}</td>'
            f'<td><a href="#oat-s{n:03d}">{escape(r.get("scenario_label", r["label"]))}</a></td>'
            f"<td>{escape(r['folder'])}</td>{shard}<td>{seconds(took)}</td></tr>"
        )
        why = render_waiver(r["waiver"], r["outcome"]) if r.get("waiver") else ""
        if r.get("failure"):
            why += r["failure"].get("html", "")
        elif r.get("blocked_by"):
            why += f"<p>{Outcome.NOT_RUN.word}: 同じラボで先に実行した「{escape(r['blocked_by'])}」が失敗したため</p>"
        elif r.get("reason"):
            why += f"<p>{Outcome.CANNOT.word}: {escape(r['reason'])}</p>"
        output = (
            f'<details class="oat-output"><summary>pytest の出力</summary><pre>{escape(r["output"])}</pre></details>'
            if r.get("output")
            else ""
        )
        sections.append(
            f'<section class="oat-scenario" id="oat-s{n:03d}"><h3><span class="oat-status oat-{outcome.value}">'
            f"{outcome.word}</span> {escape(r['label'])}</h3>"
            f"<p>フォルダ {escape(r['folder'])}"
            + (f" ・ シャード {escape(r['shard'])}" if r.get("shard") else "")
            + (f" ・ 開始 {clock(r['started'])}" if r.get("started") else "")
            + f" ・ 所要時間 {seconds(took)}</p>"
            + why
            + (render_steps(_steps(r)) if r.get("steps") else "")
            + output
            + "</section>"
        )
    return (
        f"<h2>シナリオ ({len(results)} 件)</h2>"
        '<table class="oat-lab"><tr><th>結果</th><th>シナリオ</th><th>フォルダ</th>'
        + ("<th>シャード</th>" if sharded else "")
        + f"<th>所要時間</th></tr>{''.join(index)}</table>"
        + "".join(sections)
    )


_COMMAND_FIELDS = {f.name for f in fields(Command)}


def _command(data) -> Command:
    if isinstance(data, Command):
        return data
    values = {k: v for k, v in data.items() if k in _COMMAND_FIELDS}
    for key, default in (
        ("server", "?"),
        ("command", ""),
        ("exit_code", None),
        ("stdout", ""),
        ("stderr", ""),
        ("duration", 0.0),
    ):
        values.setdefault(key, default)
    return Command(**values)


def _steps(result: dict) -> list[Step]:
    """A scenario's steps, as recorded data, back into what oat.render.report renders: the
    text and SVG attachments, then the screenshots."""
    return [
        Step(
            keyword="",
            text=s.get("title", ""),
            status=s.get("status", Outcome.NOT_RUN.value),
            duration=s.get("duration", 0.0),
            error=s.get("error", ""),
            commands=[_command(c) for c in s.get("commands", [])],
            attachments=[Attachment(a["kind"], a["name"], a["content"]) for a in s.get("attachments", [])]
            + [Attachment("png", shot["name"], base64.b64decode(shot["png"])) for shot in s.get("shots", [])],
        )
        for s in result.get("steps", [])
    ]
