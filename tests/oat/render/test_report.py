"""oat.render.report: the HTML pieces of the operator report, from recorded steps and commands."""

from __future__ import annotations

import base64
import time
from pathlib import Path

from oat.record.evidence import ERROR, FAILED, NOT_RUN, PASSED, Attachment, Command, Step
from oat.render.report import (
    failure_headline,
    render_command,
    render_failure,
    render_lab,
    render_steps,
)


def command(**changes) -> Command:
    values = dict(
        server="core", command="systemctl is-active tengine", exit_code=0, stdout="active\n", stderr="", duration=0.25
    )
    values.update(changes)
    return Command(**values)


def step(**changes) -> Step:
    values = dict(keyword="When", text="tengine is installed", status=PASSED, duration=1.5)
    values.update(changes)
    return Step(**values)


# --- failure headline --------------------------------------------------------------------


def test_failure_headline_names_the_step_how_it_failed_and_the_cause():
    failed = step(status=ERROR, error="LabError: tengine did not start")
    headline = failure_headline(failed)
    assert headline == "エラーのステップ: 「When tengine is installed」 — 原因: LabError: tengine did not start"
    assert failure_headline(step(status=FAILED, error="x")).startswith("不合格のステップ: ")


def test_failure_headline_without_a_cause_says_unknown():
    assert "不明" in failure_headline(step(status=FAILED))


def test_render_failure_escapes_the_headline():
    html = render_failure(step(status=FAILED, error="expected <b>ok</b> & got 'ng'"))
    assert html.startswith('<div class="oat-failure">')
    assert "&lt;b&gt;ok&lt;/b&gt; &amp; got" in html
    assert "<b>" not in html


# --- steps -------------------------------------------------------------------------------


def test_render_steps_shows_each_step_with_its_status():
    html = render_steps(
        [
            step(keyword="Given", text="a lab", status=PASSED),
            step(keyword="When", text="it breaks", status=FAILED, error="boom"),
            step(keyword="Then", text="never reached", status=NOT_RUN, duration=0.0),
        ]
    )
    assert html.startswith('<table class="oat-steps">')
    for status, word in ((PASSED, "合格"), (FAILED, "不合格"), (NOT_RUN, "未実施")):
        assert f'<td class="oat-status oat-{status}">{word}</td>' in html
    assert "Given a lab" in html and "When it breaks" in html and "Then never reached" in html
    assert '<div class="oat-bad">boom</div>' in html


def test_a_step_not_run_shows_no_duration():
    html = render_steps([step(status=NOT_RUN, duration=0.0)])
    assert "秒" not in html


def test_a_step_shows_its_duration_and_command_count():
    html = render_steps([step(duration=2.5, commands=[command(), command()])])
    assert "<td>2.50 秒</td>" in html
    assert "<td>2</td></tr>" in html


def test_render_steps_escapes_commands_and_output():
    cmd = command(command="echo '<script>alert(1)</script>' && true", stdout="<b>bold</b>", stderr="a & b")
    html = render_steps([step(text="runs <x>", commands=[cmd], error="<err>")])
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "a &amp; b" in html
    assert "runs &lt;x&gt;" in html
    assert "&lt;err&gt;" in html


def test_a_png_attachment_is_shown_as_a_data_uri():
    png = b"\x89PNG\r\n\x1a\nfake"
    html = render_steps([step(attachments=[Attachment("png", "console <top>", png)])])
    data = base64.b64encode(png).decode()
    assert f'<img class="oat-shot" src="data:image/png;base64,{data}">' in html
    assert "console &lt;top&gt;" in html


def test_a_text_attachment_is_shown_escaped():
    html = render_steps([step(attachments=[Attachment("text", "config", "<a>&")])])
    assert "<div>config</div><pre>&lt;a&gt;&amp;</pre>" in html


# --- commands ----------------------------------------------------------------------------


def test_render_command_shows_server_command_exit_code_and_output():
    html = render_command(command())
    assert "[core] $ systemctl is-active tengine" in html
    assert "終了コード 0" in html
    assert "0.25 秒" in html
    assert "<pre>active\n</pre>" in html
    assert "oat-bad" not in html


def test_a_failed_command_is_marked_bad():
    html = render_command(command(exit_code=3, stdout="", stderr="inactive"))
    assert '<summary class="oat-bad">' in html
    assert "終了コード 3" in html
    assert "<pre>inactive</pre>" in html


def test_a_command_without_exit_code_shows_an_exception():
    html = render_command(command(exit_code=None, stdout="", stderr=""))
    assert "終了コード 例外" in html
    assert '<summary class="oat-bad">' in html
    assert "(出力なし)" in html


def test_long_output_is_clipped():
    html = render_command(command(stdout="x" * 20010))
    assert "x" * 20000 + "\n… (10 文字省略)" in html
    assert "x" * 20001 not in html


def test_a_duration_over_a_minute_is_shown_in_minutes():
    assert "2 分 5 秒" in render_command(command(duration=125.0))


def test_a_duration_just_under_two_minutes_does_not_show_sixty_seconds():
    html = render_command(command(duration=119.6))
    assert "60 秒" not in html
    assert "2 分 0 秒" in html


# --- the lab header ----------------------------------------------------------------------


def lab_summary(**changes) -> dict:
    values = {
        "name": "tengine",
        "description": "Tengine <install>",
        "run_id": "11220300abcd",
        "networks": {"ops": "10.231.10.0/24"},
        "build_seconds": 42.0,
        "servers": [
            {
                "name": "core",
                "role": "Tengineコア",
                "image": "oat/server:0123456789ab",
                "addresses": {"ops": "10.231.10.21"},
                "container": "oat-11220300abcd-tengine-core",
            },
        ],
    }
    values.update(changes)
    return values


def test_render_lab_without_labs_says_none_was_built():
    started = time.time()
    html = render_lab([], started, started + 3)
    assert "このランではラボを構築していません。" in html
    assert "3.00 秒" in html


def test_render_lab_shows_a_lab_with_its_servers():
    started = time.mktime((2024, 11, 22, 3, 0, 0, 0, 0, -1))
    html = render_lab([lab_summary()], started, started + 90)
    assert "このランではラボを構築していません" not in html
    assert "開始 2024-11-22 03:00:00" in html and "終了 2024-11-22 03:01:30" in html
    assert "tengine — Tengine &lt;install&gt;" in html
    assert "ラン ID 11220300abcd" in html
    assert "ops 10.231.10.0/24" in html
    assert "構築 42.00 秒" in html
    assert (
        "<tr><td>core</td><td>oat-11220300abcd-tengine-core</td><td>Tengineコア</td><td>oat/server:0123456789ab</td>"
        "<td>ops: 10.231.10.21</td><td>—</td><td>oat-11220300abcd-tengine-core</td></tr>"
    ) in html
    assert "ラボ構築時のコマンド" not in html


def test_render_lab_names_an_inventory_s_real_host_beside_the_document_s_name():
    lab = lab_summary()
    lab["servers"][0].update(host="web1", container="ssh://root@192.0.2.11", image="inventory hosts.ini")
    assert "<tr><td>core</td><td>web1</td><td>Tengineコア</td><td>inventory hosts.ini</td>" in render_lab(
        [lab], 0.0, 1.0
    )


def test_render_lab_shows_the_installed_versions():
    lab = lab_summary()
    lab["servers"][0]["packages"] = {"tengine-core": "1.1.0", "postgresql-15": "15.14-0+deb12u1"}
    html = render_lab([lab], 0.0, 1.0)
    assert "<td>tengine-core 1.1.0<br>postgresql-15 15.14-0+deb12u1</td>" in html


def test_render_lab_lists_the_setup_commands():
    lab = lab_summary(setup_commands=[command(server="repo", command="oat-repo-index")])
    html = render_lab([lab], 0.0, 1.0)
    assert "ラボ構築時のコマンド (1)" in html
    assert "[repo] $ oat-repo-index" in html


# --- counts ------------------------------------------------------------------------------


# --- the cover, measurements, inventory ---------------------------------------------------


def test_the_cover_puts_the_verdict_and_the_failures_first():
    from oat.render.report import render_cover

    html = render_cover(
        {
            "verdict": "failed",
            "passed": False,
            "counts": {"合格": 3, "不合格": 1},
            "started": 0.0,
            "ended": 65.0,
            "version": "abc123",
            "trace_counts": {"合格": 5, "未実施": 2},
            "reasons": ["不合格 1 件: DB が停止している"],
            "failures": [
                {
                    "label": "DB が停止している",
                    "refs": ["概要 問題の解決"],
                    "outcome": "failed",
                    "html": '<div class="oat-failure">不合格のステップ: …</div>',
                }
            ],
        }
    )
    assert html.index("判定: 不合格") < html.index("不合格の理由") < html.index("不合格: DB が停止している")
    assert "(手順書: 概要 問題の解決)" in html
    assert "<td>不合格</td><td>1</td>" in html and "oat abc123" in html and "1 分 5 秒" in html
    assert "合格 5 ・ 未実施 2" in html
    assert "手順書の手順のうち 2 件が未実施です" in html


def test_an_interrupted_cover_says_so_with_the_signal_and_the_time():
    from oat.render.report import render_cover

    html = render_cover(
        {
            "verdict": "interrupted",
            "passed": False,
            "counts": {"合格": 1},
            "started": 0.0,
            "ended": 1.0,
            "version": "v",
            "reasons": ["中断: SIGTERM (2025-05-01 12:00:00)"],
        }
    )
    assert '<div class="oat-verdict oat-interrupted">判定: 中断</div>' in html
    assert "<li>中断: SIGTERM (2025-05-01 12:00:00)</li>" in html and "不合格" not in html


def test_a_passing_cover_says_passed():
    from oat.render.report import render_cover

    html = render_cover(
        {
            "verdict": "passed",
            "passed": True,
            "counts": {"合格": 3},
            "started": 0.0,
            "ended": 1.0,
            "version": "v",
            "reasons": [],
        }
    )
    assert "判定: 合格" in html and "不合格" not in html and "の理由" not in html


def test_measurements_chart_the_rtos_against_the_target():
    from oat.render.report import render_measurements

    html = render_measurements(
        [
            {"kind": "rto", "label": "node1 → node2", "value": 1.2, "target": 3.0},
            {"kind": "rto", "label": "node2 → node1", "value": 4.5, "target": 3.0},
            {"kind": "availability", "label": "API", "value": 97.5, "svg": "<svg id='t'/>", "text": "呼び出し 40 回"},
        ]
    )
    assert "<svg" in html and "目標 3 秒" in html and "1.20 秒" in html
    assert "#cf222e" in html  # the RTO over its target is red
    assert "中央値 2.85 秒" in html
    assert "API: 可用性 97.50 %" in html and "<svg id='t'/>" in html


def test_no_measurements_no_section():
    from oat.render.report import render_measurements

    assert render_measurements([]) == ""


def test_the_inventory_reads_installed_packages_only():
    from oat.versions import parse

    out = "postgresql-15\t15.14-0+deb12u1\tinstalled\ngit\t1:2.39.5-0+deb12u2\tnot-installed\n"
    assert parse(out) == {"postgresql-15": "15.14-0+deb12u1"}


def test_the_tracked_packages_come_from_the_product_files():
    from oat.versions import tracked_packages

    packages = tracked_packages(Path(__file__).resolve().parents[3] / "lab" / "products")
    assert "tengine-core" in packages and "pacemaker" in packages and len(packages) == len(set(packages))


def test_errata_rows_group_by_documented_command():
    from oat.render.report import render_errata

    row = {
        "where": "(3)",
        "documented": "systemctl jclweb disable",
        "corrected": "systemctl disable jcclweb",
        "why": "語順",
        "as_written": "exit 1: Unknown command",
    }
    html = render_errata([{**row, "server": "node1"}, {**row, "server": "node2"}])
    assert html.count("<tr><td>(3)</td>") == 1
    assert "node1: exit 1: Unknown command<br>node2: exit 1: Unknown command" in html


def test_timed_steps_are_listed_with_their_seconds():
    from oat.render.report import render_measurements

    html = render_measurements([{"kind": "seconds", "label": "テスト起動 (core)", "value": 0.25}])
    assert "所要時間" in html and "<li>テスト起動 (core): 0.25 秒</li>" in html and "<svg" in html
