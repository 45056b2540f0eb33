"""The HTML: shared layout, values as text (times in UTC, JSON compact), everything escaped."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, UTC

from tengine_console import pages

JST = timezone(timedelta(hours=9))


def test_values_as_text_times_in_utc_as_on_the_wire_and_json_compact():
    assert pages.text(datetime(2026, 11, 22, 12, 54, 28, 123456, tzinfo=JST)) == ("2026-11-22T03:54:28.123456Z")
    assert pages.text(datetime(2026, 11, 22, 3, 54, 28)) == "2026-11-22T03:54:28.000000Z"
    assert pages.text({"test_id": "t-1", "メモ": [1, None]}) == '{"test_id":"t-1","メモ":[1,null]}'
    assert pages.text(None) == "" and pages.text(42) == "42"


def test_every_page_has_the_navigation_and_logout():
    page = pages.list_page(pages.JOBNETS, [], "alice")
    for path, label in [
        ("/events", "イベント通知"),
        ("/jobnets", "ジョブネット"),
        ("/executions", "実行"),
        ("/virtual_servers", "仮想サーバ"),
    ]:
        assert f'href="{path}"' in page and f">{label}</a>" in page
    assert '<a href="/jobnets" class="current">' in page
    assert '<a id="logout" href="/logout">ログアウト</a>' in page
    assert "<title>ジョブネット - Tengine コンソール</title>" in page


def test_the_login_page_has_no_navigation():
    page = pages.login_page(pages.LOGIN_FAILED, 'x"><script>')
    assert "<nav>" not in page and "logout" not in page
    assert 'id="error">ユーザ名またはパスワードが違います<' in page
    assert 'value="x&quot;&gt;&lt;script&gt;"' in page


def test_event_cells_are_escaped():
    row = {
        "event_type_name": "<b>foo</b>",
        "key": "k",
        "source_name": "h/1/p",
        "occurred_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "level": "info",
        "properties": {"html": "<script>alert('x')</script>"},
    }
    page = pages.events_page([row], "<i>alice</i>", "<t>")
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    assert (
        '<td class="properties">{&quot;html&quot;:&quot;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;}</td>'
    ) in page
    assert '<td class="occurred_at">2026-01-02T03:04:05.000000Z</td>' in page
    assert 'value="&lt;t&gt;"' in page


def test_job_cells_are_escaped_and_an_execution_without_detail_has_none():
    row = {"detail": {"jobs": {"<j>": {"status": "<s>", "server": "<h>", "cause": "<c>"}}}}
    cell = pages.job_list(row)
    assert "<j>" not in cell and "&lt;j&gt;" in cell and "&lt;c&gt;" in cell
    assert pages.job_list({}) == "" and pages.job_list({"detail": None}) == ""
