"""Measured against objective (oat/render/measured.py) in the report's 測定結果 and the
試験成績書: every fault's RTO next to its 目標復旧時間, unavailable seconds next to the budget,
seconds with two actives next to 0, and whether each was met."""

from __future__ import annotations

import re
import time

from openpyxl import load_workbook

from oat.render import measured, workbook
from oat.render.charts import bar_chart_svg
from oat.render.report import render_faults, render_measurements

POWER = {
    "kind": "fault",
    "label": "node1 の電源断",
    "value": 30.2,
    "rto": 30.2,
    "target": 15.0,
    "unavailable": 45.0,
    "unavailable_target": 40.0,
    "two_actives": 0.0,
    "two_actives_target": 0.0,
    "acknowledged": 120,
    "lost": 0,
    "svg": "<svg id='power'/>",
    "text": "API 呼び出し 200 回",
}
STOP = {
    "kind": "fault",
    "label": "非活性異常 (Stop Script)",
    "value": 12.0,
    "rto": 12.0,
    "target": 20.0,
    "unavailable": 8.0,
    "unavailable_target": 40.0,
    "two_actives": 0.3,
    "two_actives_target": 0.0,
    "acknowledged": 90,
    "lost": 2,
}
STALL = {
    "kind": "fault",
    "label": "node1 の OS ストール",
    "value": 0.0,
    "rto": None,
    "unrecovered": 45.0,
    "target": 15.0,
    "unavailable": 50.0,
    "unavailable_target": 40.0,
    "two_actives": 0.0,
    "acknowledged": 40,
    "lost": None,
}
INTERCONNECT = {
    "kind": "fault",
    "label": "node1 のインタコネクト LAN断",
    "value": 0.0,
    "rto": None,
    "target": None,
    "unavailable": 0.0,
    "unavailable_target": 40.0,
    "two_actives": 0.0,
    "acknowledged": 60,
    "lost": 0,
}


def test_each_measure_of_a_fault_stands_against_its_objective():
    row = measured.fault(POWER)
    assert [(a.what, a.measured, a.objective, a.verdict) for a in row.all()] == [
        ("復旧時間 (RTO)", "30.20 秒", "15 秒以内", "未達"),
        ("停止時間", "45.0 秒", "40 秒以内", "未達"),
        ("両系同時稼働", "0.0 秒", "0 秒", "達成"),
        ("保存データの消失", "0 件", "0 件", "達成"),
    ]
    assert measured.fault(STALL).recovery.measured == "45 秒以内に回復せず" and not measured.fault(STALL).recovery.met
    assert measured.fault(STALL).lost.verdict == ""  # the memo was not read back: neither met nor missed
    assert measured.fault(INTERCONNECT).recovery == measured.Against("復旧時間 (RTO)", "系切替なし", "", None)
    unmeasured = dict(INTERCONNECT, unmeasured=True)
    assert measured.fault(unmeasured).recovery.measured == "未測定"


def test_a_record_from_before_the_objectives_reads_as_it_did():
    old = {"label": "node1 の電源断", "rto": 4.2, "two_actives": 0.0, "acknowledged": 50, "lost": 0}
    row = measured.fault(old)
    assert row.unavailable is None and row.recovery.objective == "" and row.two_actives.objective == "0 秒"


def test_the_fault_table_shows_measured_next_to_objective_and_whether_it_was_met():
    html = render_faults([POWER, STOP, STALL, INTERCONNECT])
    cells = re.findall(r"<td( class=\"oat-(?:passed|failed)\")?>(.*?)</td>", html)
    power = [text for _, text in cells[:5]]
    assert power == [
        "node1 の電源断",
        "30.20 秒<br><small>目標 15 秒以内 — 未達</small>",
        "45.0 秒<br><small>目標 40 秒以内 — 未達</small>",
        "0.0 秒<br><small>目標 0 秒 — 達成</small>",
        "120 件",
    ]
    assert '<td class="oat-failed">30.20 秒' in html and '<td class="oat-passed">12.00 秒' in html
    assert '<td class="oat-failed">0.3 秒<br><small>目標 0 秒 — 未達' in html  # two actives, over 0
    assert '<td class="oat-failed">2 件<br><small>目標 0 件 — 未達' in html
    assert "45 秒以内に回復せず" in html and "系切替なし" in html
    # the chart: each fault's bar against its own objective (15 s and 20 s), the unrecovered one too
    assert "<title>目標 15 秒</title>" in html and "<title>目標 20 秒</title>" in html
    assert "破線: それぞれの目標" in html and html.count("#cf222e") == 2  # 30.2 > 15 and 45 (waited) > 15


def test_the_chart_draws_one_line_when_every_bar_has_the_same_objective():
    svg = bar_chart_svg([("a", 1.0), ("b", 4.0)], "秒", targets=[3.0, 3.0])
    assert svg.count("目標 3 秒") == 1 and "<title>" not in svg and svg.count("#cf222e") == 1
    assert bar_chart_svg([("a", 1.0)], "秒", 3.0) == bar_chart_svg([("a", 1.0)], "秒", targets=[3.0])


def test_the_failover_rtos_say_how_many_met_their_objective():
    html = render_measurements(
        [
            {"kind": "rto", "label": "node1 → node2", "value": 3.1, "target": 15.0},
            {"kind": "rto", "label": "node2 → node1", "value": 45.0, "target": 15.0, "unrecovered": 45.0},
        ]
    )
    assert "目標復旧時間を達成 1 / 2 回" in html
    assert '<span class="oat-failed">未達: node2 → node1 (45 秒以内に回復せず、目標 15 秒以内)</span>' in html


def test_the_workbook_has_a_row_per_objective_of_each_fault_with_its_verdict_coloured(tmp_path):
    cover = {
        "passed": False,
        "counts": {"不合格": 1},
        "started": time.time() - 60,
        "ended": time.time(),
        "version": "v",
        "environment": {},
    }
    path = workbook.write(
        tmp_path / "b.xlsx",
        cover=cover,
        traced=[],
        results=[],
        labs=[],
        measurements=[POWER, {"kind": "rto", "label": "node1 → node2", "value": 3.1, "target": 15.0}],
    )
    ws = load_workbook(path)["表紙"]
    header = next(r for r in ws.iter_rows() if r[0].value == "種類")
    assert [c.value for c in header[:6]] == ["種類", "項目", "値", "目標", "判定", "補足"]
    rows = [[c.value for c in r[:6]] for r in ws.iter_rows(min_row=header[0].row + 1, max_row=header[0].row + 5)]
    assert rows == [
        ["障害試験", "node1 の電源断: 復旧時間 (RTO)", "30.20 秒", "15 秒以内", "未達", "API 呼び出し 200 回"],
        ["障害試験", "node1 の電源断: 停止時間", "45.0 秒", "40 秒以内", "未達", None],
        ["障害試験", "node1 の電源断: 両系同時稼働", "0.0 秒", "0 秒", "達成", None],
        ["障害試験", "node1 の電源断: 保存データの消失", "0 件", "0 件", "達成", "保存成功 120 件"],
        ["RTO (フェイルオーバー)", "node1 → node2", "3.10 秒", "15 秒以内", "達成", None],
    ]
    verdicts = {
        ws.cell(r, 5).value: ws.cell(r, 5).fill.fgColor.rgb for r in range(header[0].row + 1, header[0].row + 6)
    }
    assert verdicts["達成"].endswith(workbook.FILLS[workbook.PASS]) and verdicts["未達"].endswith(
        workbook.FILLS[workbook.FAIL]
    )
