"""HTML pieces of the operator report (oat.render.page puts them together).

Pure functions of recorded data (oat.record.evidence), so they are tested without a lab. Every
value is escaped: command output is untrusted text.
"""

from __future__ import annotations

import base64
import statistics
from html import escape

from oat.model import traceability
from oat.record import trace
from oat.record.evidence import NOT_RUN, Command, Step
from oat.record.outcome import Outcome, Verdict, counts_line, verdict_of
from oat.record.timewords import clock as _clock
from oat.record.timewords import seconds as _seconds
from oat.render import measured
from oat.render.charts import bar_chart_svg

STYLE = """
<style>
.oat-lab, .oat-steps { border-collapse: collapse; margin: 6px 0 10px; }
.oat-lab td, .oat-lab th, .oat-steps td, .oat-steps th { border: 1px solid #ccc; padding: 3px 8px;
  text-align: left; vertical-align: top; }
.oat-steps { width: 100%; }
.oat-status { white-space: nowrap; font-weight: bold; }
.oat-passed { color: #1a7f37; } .oat-failed, .oat-error { color: #cf222e; } .oat-not_run { color: #8c959f; }
.oat-cannot { color: #7d4e00; } .oat-waived { color: #8250df; }
.oat-failure { border: 2px solid #cf222e; background: #fff0f0; padding: 6px 10px; margin: 6px 0; }
.oat-cmd summary { font-family: monospace; cursor: pointer; }
.oat-cmd pre { background: #f6f8fa; padding: 6px; margin: 2px 0 6px; white-space: pre-wrap;
  max-height: 30em; overflow: auto; }
.oat-bad { color: #cf222e; }
.oat-shot { max-width: 100%; border: 1px solid #ccc; margin: 4px 0; }
.oat-verdict { font-size: 28px; font-weight: bold; padding: 6px 16px; display: inline-block; color: #fff; }
.oat-verdict.oat-passed { background: #1a7f37; } .oat-verdict.oat-failed { background: #cf222e; }
.oat-verdict.oat-error { background: #9a6700; } .oat-verdict.oat-interrupted { background: #57606a; }
.oat-trace td.oat-not_run, .oat-trace td.oat-failed, .oat-trace td.oat-error { color: #fff; background: #cf222e;
  font-weight: bold; }
.oat-trace td.oat-cannot { color: #7d4e00; background: #fff1c2; font-weight: bold; }
.oat-trace td.oat-waived { color: #fff; background: #8250df; font-weight: bold; }
.oat-trace td.oat-passed { color: #1a7f37; font-weight: bold; }
.oat-waiver { border: 2px solid #8250df; background: #fbefff; padding: 6px 10px; margin: 6px 0; }
.oat-run { display: inline-block; width: 4.2em; text-align: center; margin-right: 2px; border: 1px solid #ccc;
  font-weight: bold; } .oat-run small { display: block; font-weight: normal; font-size: 10px; color: #57606a; }
.oat-trace ul { margin: 0; padding-left: 1.2em; }
.oat-nums td:nth-child(2) { text-align: right; }
</style>
"""


def failure_headline(step: Step) -> str:
    """The one line that says which Gherkin step failed, how (不合格 or エラー) and why."""
    return f"{Outcome.of(step.status).word}のステップ: 「{step.title}」 — 原因: {step.error or '不明'}"


def render_waiver(waiver: dict, outcome: str) -> str:
    """The box on a waived scenario (免除, by whom and why) or on one whose waiver was not needed."""
    if Outcome.of(outcome) == Outcome.WAIVED:
        return f'<div class="oat-waiver"><b>{Outcome.WAIVED.word}</b>: {escape(waiver.get("text", ""))}</div>'
    return f'<div class="oat-waiver">{escape(waiver.get("text", ""))}</div>'


def render_failure(step: Step) -> str:
    """The failed step first: its one line, then what was gathered when it failed (the
    servers' log tails, the browser's screen)."""
    gathered = "".join(_render_attachment(a) for a in step.attachments if a.name.startswith(FAILURE_CONTEXT))
    return f'<div class="oat-failure">{escape(failure_headline(step))}{gathered}</div>'


FAILURE_CONTEXT = "失敗時の"  # the prefix of attachments gathered when a step fails


def render_steps(steps: list[Step]) -> str:
    """The scenario's steps with status, duration and, collapsed, the evidence of each."""
    rows = []
    for step in steps:
        evidence = "".join(render_command(c) for c in step.commands)
        evidence += "".join(_render_attachment(a) for a in step.attachments)
        if step.error:
            evidence = f'<div class="oat-bad">{escape(step.error)}</div>' + evidence
        status = Outcome.of(step.status)
        rows.append(
            "<tr>"
            f'<td class="oat-status oat-{status.value}">{status.word}</td>'
            f"<td>{escape(step.title)}{evidence}</td>"
            f"<td>{_seconds(step.duration) if step.status != NOT_RUN else ''}</td>"
            f"<td>{len(step.commands)}</td>"
            "</tr>"
        )
    return (
        '<table class="oat-steps"><tr><th>結果</th><th>ステップ (実行したコマンド)</th>'
        "<th>所要時間</th><th>コマンド数</th></tr>" + "".join(rows) + "</table>"
    )


def render_command(cmd: Command) -> str:
    """One command as a collapsed block: server, command, exit code, duration; output inside."""
    exit_text = "例外" if cmd.exit_code is None else str(cmd.exit_code)
    cls = "" if cmd.ok else ' class="oat-bad"'
    body = ""
    if cmd.stdout:
        body += f"<div>標準出力</div><pre>{escape(_clip(cmd.stdout))}</pre>"
    if cmd.stderr:
        body += f"<div>標準エラー出力</div><pre>{escape(_clip(cmd.stderr))}</pre>"
    return (
        f'<details class="oat-cmd"><summary{cls}>[{escape(cmd.server)}{" " + escape(cmd.via) if cmd.via else ""}] $ {escape(cmd.command)}'
        f" → 終了コード {exit_text} ({_seconds(cmd.duration)})</summary>{body or '<pre>(出力なし)</pre>'}"
        "</details>"
    )


def _render_attachment(att) -> str:
    if att.kind == "svg":  # made by the suite itself (oat.faults.availability), not from command output
        return f"<div>{escape(att.name)}</div><div>{att.content}</div>"
    if att.kind == "png":
        data = base64.b64encode(att.content).decode()
        return f'<div>{escape(att.name)}</div><img class="oat-shot" src="data:image/png;base64,{data}">'
    return f"<div>{escape(att.name)}</div><pre>{escape(str(att.content))}</pre>"


def render_lab(labs: list[dict], started: float, ended: float) -> str:
    """The report header: when the run ran, and each lab's servers, images and addresses."""
    parts = [
        "<h2>運用テスト環境 (ラボ) と構成</h2>",
        f"<p>開始 {_clock(started)} ・ 終了 {_clock(ended)} ・ 所要時間 {_seconds(ended - started)}</p>",
    ]
    if not labs:
        parts.append("<p>このランではラボを構築していません。</p>")
    for lab in labs:
        rows = "".join(
            f"<tr><td>{escape(s['name'])}</td><td>{escape(s.get('host') or s['container'])}</td>"
            f"<td>{escape(s['role'])}</td><td>{escape(s['image'])}</td>"
            f"<td>{escape(', '.join(f'{n}: {a}' for n, a in s['addresses'].items()))}</td>"
            f"<td>{'<br>'.join(escape(f'{p} {v}') for p, v in s.get('packages', {}).items()) or '—'}</td>"
            f"<td>{escape(s['container'])}</td></tr>"
            for s in lab["servers"]
        )
        parts.append(
            f"<h3>{escape(lab['name'])} — {escape(lab['description'])}</h3>"
            f"<p>ラン ID {escape(lab['run_id'])} ・ ネットワーク "
            f"{escape(', '.join(f'{n} {s}' for n, s in lab['networks'].items()))} ・ "
            f"構築 {_seconds(lab['build_seconds'])}</p>"
            + "".join(
                f'<p class="oat-relocated">手順書と異なるアドレス: {escape(line)}</p>'
                for line in lab.get("relocated", [])
            )
            + '<table class="oat-lab"><tr><th>サーバ (手順書)</th><th>実ホスト</th><th>役割</th><th>イメージ</th><th>アドレス</th>'
            f"<th>インストール済みのバージョン</th><th>接続先 (コンテナ / SSH)</th></tr>{rows}</table>"
        )
        if lab.get("setup_commands"):
            parts.append(
                f"<details><summary>ラボ構築時のコマンド ({len(lab['setup_commands'])})</summary>"
                + "".join(render_command(c) for c in lab["setup_commands"])
                + "</details>"
            )
    return "".join(parts)


def errata_rows(applied) -> list[dict]:
    """oat.model.errata's applied errata as plain rows (they cross from xdist workers as JSON)."""
    return [
        {
            "where": a.erratum.where,
            "documented": a.erratum.documented,
            "corrected": a.erratum.corrected,
            "why": a.erratum.why,
            "server": a.server,
            "as_written": a.as_written,
        }
        for a in applied
    ]


def render_errata(applied: list[dict]) -> str:
    """正誤表: each documented command that did not work as written, and what ran instead
    (one row per erratum, with every server it was met on). `applied`: errata_rows()."""
    grouped: dict[tuple, list] = {}
    for row in applied:
        grouped.setdefault((row["where"], row["documented"]), []).append(row)
    rows = []
    for items in grouped.values():
        first = items[0]
        met = "<br>".join(escape(f"{row['server']}: {row['as_written']}") for row in items)
        rows.append(
            f"<tr><td>{escape(first['where'])}</td><td><code>{escape(first['documented'])}</code></td>"
            f"<td>{met}</td><td><code>{escape(first['corrected'])}</code></td><td>{escape(first['why'])}</td></tr>"
        )
    return (
        "<h2>正誤表 (手順書のとおりに動かなかったコマンド)</h2>"
        '<table class="oat-lab"><tr><th>手順書の箇所</th><th>手順書の記載</th><th>記載どおりの実行結果</th>'
        f"<th>実行したコマンド</th><th>理由</th></tr>{''.join(rows)}</table>"
    )


def render_cover(cover: dict) -> str:
    """The first screen: verdict and why, counts, when, which suite; then every failure, first."""
    verdict = verdict_of(cover)
    counts = cover["counts"]
    lines = [
        f'<div class="oat-verdict oat-{verdict.value}">判定: {verdict.word}</div>',
    ]
    if verdict is not Verdict.PASSED and cover.get("reasons"):
        lines.append(
            f'<div class="oat-failure oat-reasons"><b>{verdict.word}の理由</b><ul>'
            + "".join(f"<li>{escape(r)}</li>" for r in cover["reasons"])
            + "</ul></div>"
        )
    lines += [
        '<table class="oat-lab oat-nums"><tr><th>シナリオ</th><th>件数</th></tr>'
        + "".join(f"<tr><td>{escape(name)}</td><td>{n}</td></tr>" for name, n in counts.items())
        + "</table>",
        f"<p>開始 {_clock(cover['started'])} ・ 終了 {_clock(cover['ended'])} ・ "
        f"所要時間 {_seconds(cover['ended'] - cover['started'])} ・ oat {escape(cover['version'])}</p>",
    ]
    if cover.get("environment"):
        lines.append(
            '<table class="oat-lab"><tr><th colspan="2">実施環境</th></tr>'
            + "".join(
                f"<tr><td>{escape(name)}</td><td>{escape(value)}</td></tr>"
                for name, value in cover["environment"].items()
            )
            + "</table>"
        )
    if cover.get("trace_counts"):
        lines.append(f"<p>手順書の手順: {escape(counts_line(cover['trace_counts']))}</p>")
        missing = cover["trace_counts"].get(trace.NOT_DONE.word, 0)
        if missing:
            lines.append(
                f'<p class="oat-bad"><b>手順書の手順のうち {missing} 件が未実施です</b>'
                "(判定は実行したシナリオの結果。未実施の手順はトレーサビリティを参照)</p>"
            )
    if cover.get("mutants"):
        lines.append(render_mutants(cover["mutants"]))
    for failure in cover.get("failures", []):
        word = Outcome.of(failure.get("outcome", Outcome.FAILED)).word
        lines.append(
            f"<h3>{word}: {escape(failure['label'])}"
            + (f" (手順書: {escape('、'.join(failure['refs']))})" if failure.get("refs") else "")
            + f"</h3>{failure['html']}"
        )
    if cover.get("blocked"):
        lines.append(
            f"<h3>{Outcome.NOT_RUN.word}: 先の失敗のあと同じラボで続くシナリオ ({len(cover['blocked'])} 件)</h3><ul>"
            + "".join(f"<li>{escape(label)} ← 「{escape(by)}」の失敗</li>" for label, by in cover["blocked"])
            + "</ul>"
        )
    if cover.get("waivers"):
        lines.append(render_waivers(cover["waivers"]))
    return "".join(lines)


def render_waivers(waivers: list[dict]) -> str:
    """免除: every waiver of the project's file, what it names, why, who approved it, until
    when, and what it did in this run (適用, 不要 (合格), 対象なし …); a waived failure's cause."""
    rows = "".join(
        f"<tr><td>{escape(w['item'])}</td><td>{escape(w['reason'])}</td><td>{escape(w['approver'])}</td>"
        f"<td>{escape(w['expires'])}</td><td>{escape(w['status'])}</td>"
        f"<td>{'<br>'.join(escape(x) for x in w.get('waived', []))}</td></tr>"
        for w in waivers
    )
    return (
        f"<h3>{Outcome.WAIVED.word} (免除ファイル: {escape(waivers[0].get('file', ''))})</h3>"
        '<table class="oat-lab oat-waivers"><tr><th>対象</th><th>理由</th><th>承認者</th><th>期限</th>'
        f"<th>このランでは</th><th>免除した失敗</th></tr>{rows}</table>"
    )


def render_mutants(result: dict) -> str:
    """検出力: how many of oat's own product defects (lab/mutants) the last mutation check caught,
    and per documented step its post-condition, its checks, its mutants and what caught each."""
    survivors = [o for o in result["outcomes"] if o["verdict"] != "killed"]
    cls = ' class="oat-bad"' if survivors else ""
    when = _clock(result["finished"]) if result.get("finished") else "?"
    return (
        f"<p{cls}><b>検出力: {result['total']} 件中 {result['killed']} 件検出</b> "
        f"(欠陥を 1 つずつ注入した製品で実行、{escape(when)}、oat {escape(str(result.get('version', '?')))})"
        + "".join(f"<br>見逃し: {escape(o['name'])} — {escape(o['defect'])}" for o in survivors)
        + "</p>"
        + _mutation_table(result)
    )


def _mark(row: dict) -> str:
    return row.get("mark") or ("○" if row["covered"] else "×")  # a record from before marks: covered or not


def _mutation_table(result: dict) -> str:
    """The table of oat.mutants.coverage, from its plain cells."""
    if not result.get("table"):
        return ""
    body = "".join(
        f'<tr><td class="oat-{"failed" if _mark(row) == "×" else "passed"}">{_mark(row)}</td>'
        f"<td>{escape(row['folder'])} {escape(row['ref'])}</td><td>{escape(row['sentence'])}</td>"
        f"<td>{'<br>'.join(escape(check) for check in row['checks'])}</td><td>"
        + "<br>".join(
            f"{escape(m['name'])}: <b>{escape(m['result'])}</b>" + (f" — {escape(m['by'])}" if m["by"] else "")
            for m in row["mutants"]
        )
        + ("なし" if row["states"] and not row["mutants"] else "")
        + "</td></tr>"
        for row in result["table"]
    )
    return (
        '<table class="oat-lab oat-mutants"><tr><th></th><th>手順書の手順</th><th>事後条件</th>'
        f"<th>確認するステップ</th><th>変異と結果</th></tr>{body}</table>"
        f"<p>{escape(result.get('totals', ''))}<br><small>{escape(result.get('legend', ''))}</small></p>"
    )


def render_traceability(mapping: traceability.Mapping, rows: list[trace.Row]) -> str:
    """One table per document: each of its steps, what carried it out, and the result."""
    body, section = [], ""
    for row in rows:
        if row.item.section != section:
            section = row.item.section
            body.append(f'<tr><th colspan="4">{escape(section or mapping.title)}</th></tr>')
        evidence = "".join(
            f"<li>{escape(label)}<ul>"
            + "".join(f"<li>{Outcome.of(status).word} ・ {escape(title)}</li>" for title, status, _ in steps)
            + "</ul></li>"
            for label, _, steps in row.evidence
        )
        status = Outcome.of(row.status)
        body.append(
            f"<tr><td>{escape(row.item.ref)}</td><td>{escape(row.item.text)}</td>"
            f'<td class="oat-{status.value}">{status.word}</td>'
            f"<td>{escape(row.reason)}<ul>{evidence}</ul></td></tr>"
        )
    return (
        f"<h3>{escape(mapping.title)} <small>({escape(mapping.document)})</small></h3>"
        '<table class="oat-lab oat-trace"><tr><th>手順書の手順</th><th>内容</th><th>結果</th>'
        f"<th>実施したシナリオとステップ</th></tr>{''.join(body)}</table>"
    )


def render_measurements(measurements: list[dict]) -> str:
    """測定結果: RTOs as a bar chart against their objectives, availability as its timeline."""
    if not measurements:
        return ""
    parts = ["<h2>測定結果</h2>"]
    rto = [m for m in measurements if m["kind"] == "rto"]
    if rto:
        values = sorted(m["value"] for m in rto)
        median = statistics.median(values)
        judged = [measured.recovery(m) for m in rto]
        missed = [
            f"{escape(m['label'])} ({escape(a.measured)}、目標 {escape(a.objective)})"
            for m, a in zip(rto, judged, strict=True)
            if a.met is False
        ]
        met = sum(a.met is True for a in judged)
        parts.append(
            "<h3>フェイルオーバーの RTO (kill -9 から最初の正しい HTTPS 応答まで)</h3>"
            + bar_chart_svg([(m["label"], m["value"]) for m in rto], "秒", targets=[m.get("target") for m in rto])
            + f"<p>{len(values)} 回 ・ 最小 {values[0]:.2f} 秒 ・ 中央値 {median:.2f} 秒"
            f" ・ 最大 {values[-1]:.2f} 秒"
            + (
                f" ・ 目標復旧時間を{measured.MET} {met} / {sum(a.met is not None for a in judged)} 回"
                if any(a.met is not None for a in judged)
                else ""
            )
            + "".join(f'<br><span class="oat-failed">{measured.MISSED}: {line}</span>' for line in missed)
            + "</p>"
        )
    for m in measurements:
        if m["kind"] == "availability":
            parts.append(
                f"<h3>{escape(m['label'])}: 可用性 {m['value']:.2f} %</h3>"
                f"<div>{m['svg']}</div><pre>{escape(m['text'])}</pre>"
            )
    faults = [m for m in measurements if m["kind"] == "fault"]
    if faults:
        parts.append(render_faults(faults))
    timed = [m for m in measurements if m["kind"] == "seconds"]
    if timed:
        parts.append(
            "<h3>所要時間</h3>"
            + bar_chart_svg([(f"{i}", m["value"]) for i, m in enumerate(timed, 1)], "秒")
            + "<ol>"
            + "".join(f"<li>{escape(m['label'])}: {m['value']:.2f} 秒</li>" for m in timed)
            + "</ol>"
        )
    return "".join(parts)


def _against(a: measured.Against) -> str:
    """A measured value with its objective under it, green when met, red when missed."""
    cls = "" if a.met is None else f' class="oat-{"passed" if a.met else "failed"}"'
    note = f"目標 {escape(a.objective)}" + (f" — {a.verdict}" if a.verdict else "")
    return f"<td{cls}>{escape(a.measured)}" + (f"<br><small>{note}</small>" if a.objective else "") + "</td>"


def render_faults(faults: list[dict]) -> str:
    """障害試験: one row per fault, each measure against its objective (RTO against its
    目標復旧時間, unavailable seconds against the budget, seconds with two actives against 0,
    acknowledged saves lost against 0) with the client's availability timeline through it."""
    rows = []
    for m in faults:
        row = measured.fault(m)
        rows.append(
            f"<tr><td>{escape(m['label'])}</td>{_against(row.recovery)}"
            + (_against(row.unavailable) if row.unavailable else "<td>—</td>")
            + f"{_against(row.two_actives)}<td>{m['acknowledged']} 件</td>{_against(row.lost)}"
            f"<td>{m.get('svg', '')}</td></tr>"
        )
    timed = [(m, m["rto"] if m.get("rto") is not None else m.get("unrecovered")) for m in faults]
    timed = [(m, value) for m, value in timed if value is not None]
    chart = (
        bar_chart_svg([(m["label"], value) for m, value in timed], "秒", targets=[m.get("target") for m, _ in timed])
        if timed
        else ""
    )
    return (
        "<h3>障害試験 (障害から生き残った系の最初の正しい HTTPS 応答までの RTO、停止時間、両系同時稼働、"
        "保存データの消失: それぞれ目標と比べて)</h3>"
        f'{chart}<table class="oat-lab"><tr><th>障害</th><th>RTO (目標復旧時間)</th><th>停止時間 (上限)</th>'
        "<th>両系同時稼働 (上限)</th><th>保存成功</th><th>消失</th>"
        f"<th>クライアントの可用性 (緑: 保存成功、赤: 失敗)</th></tr>{''.join(rows)}</table>"
    )


def _clip(text: str, limit: int = 20000) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} 文字省略)"
