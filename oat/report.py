"""HTML pieces of the operator report, added to pytest-html's report through its hooks.

Pure functions of recorded data (oat.evidence), so they are tested without a lab. Every
value is escaped: command output is untrusted text.
"""
from __future__ import annotations

import base64
import time
from html import escape

from oat.evidence import NOT_RUN, Command, Step

STYLE = """
<style>
.oat-lab, .oat-steps { border-collapse: collapse; margin: 6px 0 10px; }
.oat-lab td, .oat-lab th, .oat-steps td, .oat-steps th { border: 1px solid #ccc; padding: 3px 8px;
  text-align: left; vertical-align: top; }
.oat-steps { width: 100%; }
.oat-status { white-space: nowrap; font-weight: bold; }
.oat-成功 { color: #1a7f37; } .oat-失敗 { color: #cf222e; } .oat-未実行 { color: #8c959f; }
.oat-failure { border: 2px solid #cf222e; background: #fff0f0; padding: 6px 10px; margin: 6px 0; }
.oat-cmd summary { font-family: monospace; cursor: pointer; }
.oat-cmd pre { background: #f6f8fa; padding: 6px; margin: 2px 0 6px; white-space: pre-wrap;
  max-height: 30em; overflow: auto; }
.oat-bad { color: #cf222e; }
.oat-shot { max-width: 100%; border: 1px solid #ccc; margin: 4px 0; }
</style>
"""


def failure_headline(step: Step) -> str:
    """The one line that says which Gherkin step failed and why."""
    return f"失敗したステップ: 「{step.title}」 — 原因: {step.error or '不明'}"


def render_failure(step: Step) -> str:
    return f'<div class="oat-failure">{escape(failure_headline(step))}</div>'


def render_steps(steps: list[Step]) -> str:
    """The scenario's steps with status, duration and, collapsed, the evidence of each."""
    rows = []
    for step in steps:
        evidence = "".join(render_command(c) for c in step.commands)
        evidence += "".join(_render_attachment(a) for a in step.attachments)
        if step.error:
            evidence = f'<div class="oat-bad">{escape(step.error)}</div>' + evidence
        rows.append(
            "<tr>"
            f'<td class="oat-status oat-{escape(step.status)}">{escape(step.status)}</td>'
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
        f'<details class="oat-cmd"><summary{cls}>[{escape(cmd.server)}] $ {escape(cmd.command)}'
        f" → 終了コード {exit_text} ({_seconds(cmd.duration)})</summary>{body or '<pre>(出力なし)</pre>'}"
        "</details>"
    )


def _render_attachment(att) -> str:
    if att.kind == "svg":  # made by the suite itself (oat.availability), not from command output
        return f"<div>{escape(att.name)}</div><div>{att.content}</div>"
    if att.kind == "png":
        data = base64.b64encode(att.content).decode()
        return f'<div>{escape(att.name)}</div><img class="oat-shot" src="data:image/png;base64,{data}">'
    return f"<div>{escape(att.name)}</div><pre>{escape(str(att.content))}</pre>"


def render_lab(labs: list[dict], started: float, ended: float) -> str:
    """The report header: when the run ran, and each lab's servers, images and addresses."""
    parts = [
        STYLE,
        "<h2>運用テスト環境 (ラボ)</h2>",
        f"<p>開始 {_clock(started)} ・ 終了 {_clock(ended)} ・ 所要時間 {_seconds(ended - started)}</p>",
    ]
    if not labs:
        parts.append("<p>このランではラボを構築していません。</p>")
    for lab in labs:
        rows = "".join(
            f"<tr><td>{escape(s['name'])}</td><td>{escape(s['role'])}</td><td>{escape(s['image'])}</td>"
            f"<td>{escape(', '.join(f'{n}: {a}' for n, a in s['addresses'].items()))}</td>"
            f"<td>{escape(s['container'])}</td></tr>"
            for s in lab["servers"]
        )
        parts.append(
            f"<h3>{escape(lab['name'])} — {escape(lab['description'])}</h3>"
            f"<p>ラン ID {escape(lab['run_id'])} ・ ネットワーク "
            f"{escape(', '.join(f'{n} {s}' for n, s in lab['networks'].items()))} ・ "
            f"構築 {_seconds(lab['build_seconds'])}</p>"
            '<table class="oat-lab"><tr><th>サーバ</th><th>役割</th><th>イメージ</th><th>アドレス</th>'
            f"<th>コンテナ</th></tr>{rows}</table>"
        )
        if lab.get("setup_commands"):
            parts.append(
                f"<details><summary>ラボ構築時のコマンド ({len(lab['setup_commands'])})</summary>"
                + "".join(render_command(c) for c in lab["setup_commands"])
                + "</details>"
            )
    return "".join(parts)


def render_errata(applied) -> str:
    """正誤表: each documented command that did not work as written, and what ran instead
    (one row per erratum, with every server it was met on)."""
    grouped: dict[int, list] = {}
    for a in applied:
        grouped.setdefault(id(a.erratum), []).append(a)
    rows = "".join(
        f"<tr><td>{escape(items[0].erratum.where)}</td><td><code>{escape(items[0].erratum.documented)}</code></td>"
        f"<td>{'<br>'.join(escape(f'{a.server}: {a.as_written}') for a in items)}</td>"
        f"<td><code>{escape(items[0].erratum.corrected)}</code></td><td>{escape(items[0].erratum.why)}</td></tr>"
        for items in grouped.values()
    )
    return (
        "<h2>正誤表 (手順書のとおりに動かなかったコマンド)</h2>"
        '<table class="oat-lab"><tr><th>手順書の箇所</th><th>手順書の記載</th><th>記載どおりの実行結果</th>'
        f"<th>実行したコマンド</th><th>理由</th></tr>{rows}</table>"
    )


def _clip(text: str, limit: int = 20000) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} 文字省略)"


def _seconds(value: float) -> str:
    if value < 60:
        return f"{value:.2f} 秒"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes} 分 {seconds} 秒"


def _clock(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))
