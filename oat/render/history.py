"""The run history as the report shows it (a strip per scenario) and as `oat history` prints it:
the same lines (oat.record.history.view), the same symbols and words."""

from __future__ import annotations

from html import escape
from pathlib import Path

from oat.record.history import Line, unstable_text
from oat.record.outcome import Outcome
from oat.record.timewords import clock, seconds

LEGEND = " ".join(f"{o.symbol} {o.word}" for o in Outcome)


def _title(run) -> str:
    return f"{clock(run.started)} {run.outcome.word} {seconds(run.duration)}" + (
        f" (commit {run.commit})" if run.commit else ""
    )


def render_html(lines: list[Line], runs: int) -> str:
    """実行履歴: per scenario, its last runs (oldest first) as a strip of outcomes with their
    seconds, and 不安定 when it both passed and failed on one commit."""
    if not lines:
        return ""
    rows = []
    for line in lines:
        strip = "".join(
            f'<span class="oat-run oat-{r.outcome.value}" title="{escape(_title(r))}">'
            f"{r.outcome.symbol}<small>{escape(seconds(r.duration))}</small></span>"
            for r in line.runs
        )
        flag = f'<span class="oat-bad"><b>{escape(unstable_text(line))}</b></span>' if line.unstable else ""
        rows.append(
            f"<tr><td>{escape(line.folder)}</td><td>{escape(line.label)}</td>"
            f'<td class="oat-strip">{strip}</td><td>{flag}</td></tr>'
        )
    return (
        f"<h2>実行履歴 (このランまでの {runs} ラン、シナリオごとに直近 {max(len(x.runs) for x in lines)} 回)</h2>"
        f"<p>古い順。{escape(LEGEND)}。同じコミットで合格と不合格 (エラー、免除を含む) の両方があるシナリオは"
        "不安定です。</p>"
        '<table class="oat-lab oat-history"><tr><th>フォルダ</th><th>シナリオ</th><th>直近の結果と所要時間</th>'
        f"<th>不安定</th></tr>{''.join(rows)}</table>"
    )


def render_text(lines: list[Line], runs: list[dict], where: str) -> str:
    """`oat history`: one line per scenario, its runs oldest first, then 不安定 when it is."""
    head = (
        f"oat history: {where}: {len(runs)} run{'' if len(runs) == 1 else 's'}"
        + (f" from {clock(runs[0]['started'])} to {clock(runs[-1]['started'])}" if runs else "")
        + f" (oldest first; {LEGEND})"
    )
    out = [head]
    for line in lines:
        strip = " ".join(r.outcome.symbol for r in line.runs)
        took = ", ".join(seconds(r.duration) for r in line.runs)
        out.append(
            f"{line.folder}/{line.label}: {strip}  ({took})" + (f"  {unstable_text(line)}" if line.unstable else "")
        )
    if not lines:
        out.append("(no scenario recorded)")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """`oat history [DIR] [--last N]`: 0, or 2 with one line when DIR holds no history."""
    import argparse
    import sys

    from oat.record import history

    parser = argparse.ArgumentParser(
        prog="oat history", description="each scenario's last runs, and those 不安定 on one commit"
    )
    parser.add_argument(
        "dir",
        nargs="?",
        default=str(Path("reports") / history.DIRECTORY),
        metavar="DIR",
        help="a run history (default: reports/history)",
    )
    parser.add_argument(
        "--last",
        type=int,
        default=history.SHOWN,
        metavar="N",
        help=f"runs shown per scenario (default {history.SHOWN})",
    )
    args = parser.parse_args(argv)
    try:
        runs = history.load(Path(args.dir))
    except history.HistoryError as exc:
        print(f"oat: history: {exc}", file=sys.stderr)
        return 2
    print(render_text(history.view(runs, shown=max(args.last, 1)), runs, args.dir))
    return 0
