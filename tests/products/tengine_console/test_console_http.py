"""The console end to end, in process, over real TLS on 127.0.0.1 (certificate verified)."""

from __future__ import annotations

import http.client
import re
import socket
import ssl
from datetime import datetime, timedelta, timezone, UTC

import pytest

from tengine_console.store import DbUnavailable

DB_DOWN = DbUnavailable("10.231.10.12:5432", "connection refused")


def event(name: str, minute: int, **properties) -> dict:
    return {
        "event_type_name": name,
        "key": f"key-{name}-{minute}",
        "source_name": "core/1/tengined",
        "sender_name": "core",
        "level": "info",
        "occurred_at": datetime(2026, 11, 22, 3, minute, tzinfo=UTC),
        "properties": properties,
    }


def shown(page: str, cell: str) -> list[str]:
    return re.findall(rf'<td class="{cell}">(.*?)</td>', page)


def test_the_login_page(browser):
    response = browser.get("/login")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    for element in ('id="user"', 'id="password"', 'id="login"'):
        assert element in response.text
    assert "<title>ログイン - Tengine コンソール</title>" in response.text


def test_a_wrong_password_is_401_and_logged(browser, console):
    response = browser.login(password="wrong")
    assert response.status_code == 401
    assert "ユーザ名またはパスワードが違います" in response.text
    assert "Set-Cookie" not in response.headers
    assert "WARNING login failed: user='alice' from 127.0.0.1" in console.log_file.read_text()


def test_login_opens_the_event_screen_with_a_strict_cookie(browser, console):
    response = browser.login()
    assert response.status_code == 302 and response.headers["Location"] == "/events"
    assert re.match(
        r"^tengine_console_session=[\w-]{40,}; Path=/; Secure; HttpOnly; "
        r"SameSite=Strict$",
        response.headers["Set-Cookie"],
    )
    page = browser.get("/events")
    assert page.status_code == 200
    assert "<title>イベント通知 - Tengine コンソール</title>" in page.text
    assert '<span id="current_user">alice</span>' in page.text
    assert browser.get("/login").headers["Location"] == "/events"  # already logged in
    log = console.log_file.read_text()
    assert "INFO login: user=alice from 127.0.0.1" in log
    assert re.search(r'Z INFO 127\.0\.0\.1 alice "GET /events HTTP/1\.1" 200 ', log)


def test_every_screen_needs_a_session_and_the_root_is_the_events(browser):
    for path in ["/events", "/events?event_type_name=foo", "/jobnets", "/executions", "/virtual_servers"]:
        response = browser.get(path)
        assert (response.status_code, response.headers["Location"]) == (302, "/login"), path
    response = browser.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/events"


def test_logout_ends_the_session_even_for_a_kept_cookie(logged_in):
    cookie = logged_in.cookies["tengine_console_session"]
    response = logged_in.get("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    logged_in.cookies.set("tengine_console_session", cookie)
    assert logged_in.get("/events").headers["Location"] == "/login"


def test_events_are_shown_in_the_stores_order_newest_first(logged_in, console):
    console.store.rows["events"] = [event("bar", 2, test_id="t1", caused_by="key-foo-1"), event("foo", 1, test_id="t1")]
    page = logged_in.get("/events").text
    assert len(re.findall(r'<tr class="event">', page)) == 2
    assert shown(page, "event_type_name") == ["bar", "foo"]
    assert shown(page, "occurred_at") == ["2026-11-22T03:02:00.000000Z", "2026-11-22T03:01:00.000000Z"]
    assert shown(page, "properties")[1] == "{&quot;test_id&quot;:&quot;t1&quot;}"
    assert '<table id="events">' in page and console.store.event_filters == [None]


def test_the_type_filter_goes_to_the_store(logged_in, console):
    page = logged_in.get("/events", params={"event_type_name": " bar "}).text
    assert console.store.event_filters == ["bar"]
    assert 'id="event_type_name" name="event_type_name" value="bar"' in page
    assert 'id="filter"' in page


def test_an_empty_list_says_so(logged_in):
    for table, empty in [
        ("events", "イベントはまだありません"),
        ("jobnets", "ジョブネットはまだありません"),
        ("executions", "実行はまだありません"),
        ("virtual_servers", "仮想サーバはまだありません"),
    ]:
        page = logged_in.get(f"/{table}").text
        assert f'<table id="{table}">' in page and empty in page, table


def test_the_jobnet_list(logged_in, console):
    console.store.rows["jobnets"] = [
        {
            "name": "jn_hello",
            "caption": "テストジョブネット",
            "revision": "0a1b2c",
            "loaded_at": datetime(2026, 11, 22, 12, 0, tzinfo=timezone(timedelta(hours=9))),
        }
    ]
    page = logged_in.get("/jobnets").text
    assert ('<tr class="jobnet"><td class="name">jn_hello</td><td class="caption">テストジョブネット</td>') in page
    assert shown(page, "loaded_at") == ["2026-11-22T03:00:00.000000Z"]


def test_a_db_that_does_not_answer_is_503_naming_it(logged_in, console):
    console.store.down = DB_DOWN
    for path in ["/events", "/jobnets", "/executions", "/virtual_servers"]:
        response = logged_in.get(path)
        assert response.status_code == 503, path
        assert "DB に接続できません: 10.231.10.12:5432: connection refused" in response.text
    assert "ERROR DB unavailable: 10.231.10.12:5432: connection refused" in (console.log_file.read_text())


def test_health_follows_the_db_without_a_session(browser, console):
    response = browser.get("/health")
    assert (response.status_code, response.text) == (200, "ok\n")
    console.store.down = DB_DOWN
    response = browser.get("/health")
    assert response.status_code == 503
    assert response.text == "DB に接続できません: 10.231.10.12:5432: connection refused\n"


def test_unknown_paths_are_404(logged_in):
    response = logged_in.get("/nope")
    assert response.status_code == 404 and "ページが見つかりません: /nope" in response.text


def test_an_oversized_login_form_is_refused_unread(console, cert):
    # Refused on the header alone: no body is sent, none is read.
    context = ssl.create_default_context(cafile=str(cert[0]))
    connection = http.client.HTTPSConnection("127.0.0.1", console.port, timeout=5, context=context)
    connection.putrequest("POST", "/login")
    connection.putheader("Content-Length", str(1 << 20))
    connection.endheaders()
    assert connection.getresponse().status == 413
    connection.close()


def tls_client(cert, version: ssl.TLSVersion) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cert))
    context.minimum_version = context.maximum_version = version
    if version < ssl.TLSVersion.TLSv1_2:
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let the client at least offer it
    return context


def handshake(console, context) -> str:
    with socket.create_connection(("127.0.0.1", console.port), timeout=5) as plain:
        with context.wrap_socket(plain, server_hostname="127.0.0.1") as tls:
            return tls.version()


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_tls_1_2_is_the_minimum(console, cert):
    assert console.server.context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert handshake(console, tls_client(cert[0], ssl.TLSVersion.TLSv1_2)) == "TLSv1.2"
    with pytest.raises(ssl.SSLError):
        handshake(console, tls_client(cert[0], ssl.TLSVersion.TLSv1_1))


def test_the_execution_list_shows_each_job(logged_in, console):
    started = datetime(2026, 11, 22, 3, 54, tzinfo=UTC)
    console.store.rows["executions"] = [
        {
            "id": 8,
            "jobnet": "jn_x",
            "status": "error",
            "started_at": started,
            "finished_at": started,
            "detail": {"jobs": {}, "cause": "jobnet jn_x is not loaded"},
        },
        {
            "id": 7,
            "jobnet": "jn_hello",
            "status": "error",
            "started_at": started,
            "finished_at": started + timedelta(seconds=2),
            "detail": {
                "start_event": "k",
                "jobs": {
                    "j2": {"status": "error", "server": "job2", "exit_status": 3, "cause": "exit status 3"},
                    "j1": {"status": "success", "server": "job1", "exit_status": 0},
                    "j10": {"status": "waiting", "server": "job1", "exit_status": None},
                },
            },
        },
    ]
    page = logged_in.get("/executions").text
    assert len(re.findall(r'<tr class="execution">', page)) == 2
    assert shown(page, "id") == ["8", "7"] and shown(page, "status") == ["error", "error"]
    assert shown(page, "finished_at")[1] == "2026-11-22T03:54:02.000000Z"
    assert "<th>ジョブ</th>" in page
    jobs = shown(page, "jobs")
    assert jobs[0] == '<span class="execution_cause">jobnet jn_x is not loaded</span>'
    assert re.findall(r'<span class="job_name">(.*?)</span>', jobs[1]) == ["j1", "j2", "j10"]
    assert re.findall(r'<span class="job_status">(.*?)</span>', jobs[1]) == ["success", "error", "waiting"]
    assert re.findall(r'<span class="job_exit_status">(.*?)</span>', jobs[1]) == ["0", "3"]
    assert (
        '<li class="job"><span class="job_name">j2</span> (<span class="job_server">job2'
        '</span>): <span class="job_status">error</span> 終了ステータス <span'
        ' class="job_exit_status">3</span> <span class="job_cause">exit status 3</span></li>'
    ) in jobs[1]
