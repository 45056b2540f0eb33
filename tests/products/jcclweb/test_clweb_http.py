"""The server end to end, in process, over real TLS on 127.0.0.1 (certificate verified)."""

from __future__ import annotations

import html
import json
import re
import socket
import ssl

import pytest

from clweb.apikeys import ApiKeys
from clweb.config import Config
from clweb.errors import ClwebError
from clweb.pages import LOGIN_FAILED, SAVED, SESSION_EXPIRED
from clweb.users import Users
from jcclweb_tree import VERSION

PASSWORD = "パスワード-1"


@pytest.fixture
def alice(home) -> str:
    Users(home.users_dir).add("alice", PASSWORD, 1000)
    return "alice"


def memo_of(page: str) -> str:
    text = re.search(r'<textarea id="memo" name="memo">\n(.*?)</textarea>', page, re.S).group(1)
    return html.unescape(text)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def login(client, user="alice", password=PASSWORD):
    response, _ = client.request("POST", "/login", {"user": user, "password": password})
    assert response.status == 303 and response.getheader("Location") == "/mypage"
    return client.request("GET", "/mypage")[1]


def test_the_login_page(start_server, client_for):
    response, page = client_for(start_server()).request("GET", "/")
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert '<meta charset="utf-8">' in page
    assert "<title>JobCenter CL/Web</title>" in page
    assert 'name="user"' in page and 'name="password"' in page and 'type="submit"' in page
    assert "ログイン" in page and "ユーザ名" in page and "パスワード" in page
    assert re.search(rf"<footer>.*CL/Web {VERSION}.*</footer>", page)


def test_a_wrong_password_is_401_with_the_login_page(start_server, client_for, alice, home):
    client = client_for(start_server())
    response, page = client.request("POST", "/login", {"user": "alice", "password": "nope"})
    assert response.status == 401 and LOGIN_FAILED in page and 'name="password"' in page
    assert client.cookie is None
    assert "login failed: user='alice' from 127.0.0.1" in home.log_file.read_text()


def test_login_sets_a_strict_session_cookie(start_server, client_for, alice, home):
    client = client_for(start_server())
    response, _ = client.request("POST", "/login", {"user": "alice", "password": PASSWORD})
    cookie = response.getheader("Set-Cookie")
    assert re.match(r"^CLWEBSESSION=[\w-]{40,}; ", cookie)
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict"):
        assert attribute in cookie
    assert client.request("GET", "/")[0].getheader("Location") == "/mypage"
    assert "login: user=alice from 127.0.0.1" in home.log_file.read_text()


def test_mypage_needs_a_session(start_server, client_for):
    response, _ = client_for(start_server()).request("GET", "/mypage")
    assert response.status == 303 and response.getheader("Location") == "/"


def test_save_then_lose_the_session_then_log_in_again(start_server, client_for, alice, home):
    """The guide's 注意事項 across a failover: the new process has no sessions, so a save
    fails with the login page; after logging in again the saved MyPage is still there."""
    first = start_server()
    client = client_for(first)
    page = login(client)
    assert memo_of(page) == "" and 'id="save"' in page and f"CL/Web {VERSION}" in page

    memo = "ジョブの注意点\n<b>"
    response, _ = client.request("POST", "/mypage", {"memo": memo, "csrf": csrf_of(page)})
    assert response.status == 303 and response.getheader("Location") == "/mypage?saved=1"
    page = client.request("GET", "/mypage?saved=1")[1]
    assert SAVED in page and memo_of(page) == memo
    stale_csrf = csrf_of(page)

    # Failover: a new server process on the same (shared) config folder.
    second = start_server()
    client.port = second.server_address[1]
    response, page = client.request("POST", "/mypage", {"memo": "lost edit", "csrf": stale_csrf})
    assert response.status == 401 and SESSION_EXPIRED in page and 'name="password"' in page
    assert json.loads((home.mypage_dir / "alice.json").read_text())["memo"] == memo

    page = login(client)
    assert memo_of(page) == memo


def test_a_stale_cookie_shows_the_session_expired_message(start_server, client_for, alice):
    client = client_for(start_server())
    login(client)
    client.port = start_server().server_address[1]
    assert client.request("GET", "/mypage")[0].getheader("Location") == "/"
    response, page = client.request("GET", "/")
    assert response.status == 200 and SESSION_EXPIRED in page
    assert client.cookie is None  # cleared, so the next visit is a plain login page


def test_a_save_without_the_csrf_token_is_refused(start_server, client_for, alice, home):
    client = client_for(start_server())
    login(client)
    response, _ = client.request("POST", "/mypage", {"memo": "forged", "csrf": "wrong"})
    assert response.status == 403
    assert not (home.mypage_dir / "alice.json").exists()


def test_logout_ends_the_session(start_server, client_for, alice):
    client = client_for(start_server())
    login(client)
    cookie = client.cookie
    response, _ = client.request("GET", "/logout")
    assert response.status == 303 and response.getheader("Location") == "/"
    client.cookie = cookie  # even if the browser kept it
    assert client.request("GET", "/mypage")[0].getheader("Location") == "/"


def test_an_oversized_form_is_refused(start_server, client_for, alice):
    client = client_for(start_server())
    login(client)
    # Refused on the header alone, before any of the body is read.
    response, _ = client.request("POST", "/mypage", headers={"Content-Length": str(2 << 20)})
    assert response.status == 413


def test_the_api_answers_with_a_key_and_refuses_without(start_server, client_for, alice, home):
    key = ApiKeys(home.users_dir).create("alice")
    client = client_for(start_server())
    response, body = client.request("GET", "/api/v1/status", headers={"X-CLWeb-Api-Key": key})
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/json; charset=utf-8"
    status = json.loads(body)
    assert status["version"] == VERSION and status["node"] == socket.gethostname()
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", status["time"])

    for headers, error in [({}, "missing API key"), ({"X-CLWeb-Api-Key": "clw_forged"}, "invalid API key")]:
        response, body = client.request("GET", "/api/v1/status", headers=headers)
        assert response.status == 401 and json.loads(body)["error"].startswith(error)
    log = home.log_file.read_text()
    assert "api: GET /api/v1/status user=alice" in log and "refused: invalid API key" in log


def test_an_api_key_survives_a_failover_and_reads_the_mypage(start_server, client_for, alice, home):
    key = ApiKeys(home.users_dir).create("alice")
    client = client_for(start_server())
    page = login(client)
    client.request("POST", "/mypage", {"memo": "shared", "csrf": csrf_of(page)})
    client = client_for(start_server())  # the other node, same config folder
    response, body = client.request("GET", "/api/v1/mypage", headers={"X-CLWeb-Api-Key": key})
    assert response.status == 200
    assert json.loads(body)["user"] == "alice" and json.loads(body)["memo"] == "shared"


def test_unknown_paths_are_404(start_server, client_for):
    client = client_for(start_server())
    assert client.request("GET", "/nope")[0].status == 404
    response, body = client.request("GET", "/api/v1/nope")
    assert response.status == 404 and "error" in json.loads(body)


def test_only_tls_1_2_or_later_is_offered(start_server, cert):
    server = start_server()
    assert server.context.minimum_version == ssl.TLSVersion.TLSv1_2
    plain = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5)
    with plain:
        plain.sendall(b"GET / HTTP/1.0\r\n\r\n")
        try:
            answer = plain.recv(100)
        except ConnectionResetError:
            answer = b""
    assert not answer.startswith(b"HTTP/")  # no plain-HTTP answer


def test_binding_an_address_not_on_this_node_names_it(start_server):
    expected = r"^cannot bind 192\.0\.2\.1:8443: .*\(is this address on this node\?\)$"
    with pytest.raises(ClwebError, match=expected):
        start_server(Config(bind="192.0.2.1", port=8443))


def test_a_missing_certificate_is_one_line(start_server, home):
    (home.config / "ssl" / "server.crt").unlink()
    with pytest.raises(ClwebError, match=r"^TLS certificate or key not found: "):
        start_server()


def test_a_damaged_store_is_a_500_in_the_callers_format_and_logged(start_server, client_for, home):
    (home.users_dir / "apikeys.json").write_text("{damaged")
    client = client_for(start_server())
    response, body = client.request("GET", "/api/v1/status", headers={"X-CLWeb-Api-Key": "clw_x"})
    assert response.status == 500 and "error" in json.loads(body)
    assert "apikeys.json: cannot read:" in home.log_file.read_text()
