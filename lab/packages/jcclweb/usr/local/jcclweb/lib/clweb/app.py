"""The HTTP routes: browser login and MyPage (session cookie), and the API (access key)."""
from __future__ import annotations

import json
import logging
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from clweb import pages
from clweb.apikeys import ApiKeys
from clweb.errors import ClwebError
from clweb.home import Home
from clweb.mypage import MyPages
from clweb.sessions import Session, Sessions
from clweb.users import Users

COOKIE = "CLWEBSESSION"
API_KEY_HEADER = "X-CLWeb-Api-Key"
MAX_BODY = 1 << 20  # a MyPage memo is text; anything larger is a mistake or an attack


class BadRequest(Exception):
    """A request refused before routing finishes; answered with its status."""

    def __init__(self, status: HTTPStatus, text: str):
        super().__init__(text)
        self.status = status


@dataclass
class App:
    """What every request needs; one per server process."""
    home: Home
    log: logging.Logger
    version: str = ""
    node: str = field(default_factory=socket.gethostname)
    sessions: Sessions = field(default_factory=Sessions)

    def __post_init__(self):
        self.version = self.version or self.home.version()
        self.users = Users(self.home.users_dir)
        self.keys = ApiKeys(self.home.users_dir)
        self.mypages = MyPages(self.home.mypage_dir)


class Handler(BaseHTTPRequestHandler):
    server_version = "CLWeb"
    timeout = 30  # a silent client must not hold a thread forever

    def version_string(self) -> str:
        return self.server_version  # no Python version in the Server header

    @property
    def app(self) -> App:
        return self.server.app

    # --- routing -----------------------------------------------------------------------

    def do_GET(self):
        self._route({"/": self.get_root, "/mypage": self.get_mypage, "/logout": self.get_logout,
                     "/api/v1/status": self.api_status, "/api/v1/mypage": self.api_mypage})

    def do_POST(self):
        self._route({"/login": self.post_login, "/mypage": self.post_mypage})

    def _route(self, routes):
        path = urlsplit(self.path).path
        handler = routes.get(path)
        try:
            if handler:
                handler()
            else:
                self._refuse(HTTPStatus.NOT_FOUND, f"ページがありません: {path}")
        except BadRequest as error:
            self._refuse(error.status, str(error))
        except ClwebError as error:  # e.g. an unreadable file in the config folder
            self.app.log.error("%s %s: %s", self.command, path, error)
            self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "サーバエラーが発生しました。")

    def _refuse(self, status: HTTPStatus, text: str):
        """An error answer in the caller's language: JSON for the API, a page for browsers."""
        if urlsplit(self.path).path.startswith("/api/"):
            self._json(status, {"error": text})
        else:
            self._html(status, pages.error(self.app.version, self.app.node, text))

    # --- browser pages -----------------------------------------------------------------

    def get_root(self):
        session = self._session()
        if session:
            return self._redirect("/mypage")
        # A cookie for a session this process does not know: it ended (failover, restart).
        expired = pages.SESSION_EXPIRED if self._cookie() else None
        self._login_page(HTTPStatus.OK, expired, clear_cookie=bool(expired))

    def post_login(self):
        form = self._form()
        user, password = form.get("user", ""), form.get("password", "")
        if not (user and password and self.app.users.verify(user, password)):
            self.app.log.warning("login failed: user=%r from %s", user[:64], self.client_address[0])
            return self._login_page(HTTPStatus.UNAUTHORIZED, pages.LOGIN_FAILED, user=user)
        session = self.app.sessions.create(user)
        self.app.log.info("login: user=%s from %s", user, self.client_address[0])
        cookie = f"{COOKIE}={session.token}; Path=/; HttpOnly; Secure; SameSite=Strict"
        self._redirect("/mypage", cookie)

    def get_mypage(self):
        session = self._session()
        if not session:
            return self._redirect("/")
        data = self.app.mypages.load(session.user)
        saved = parse_qs(urlsplit(self.path).query).get("saved") == ["1"]
        notice = pages.SAVED if saved else None
        self._html(HTTPStatus.OK, pages.mypage(self.app.version, self.app.node, session.user,
                                               data["memo"], session.csrf, notice))

    def post_mypage(self):
        form = self._form()
        session = self._session()
        if not session:
            # The guide's 注意事項: a save during a failover fails; the user logs in again.
            self.app.log.warning("mypage save refused: no session (from %s)",
                                 self.client_address[0])
            return self._login_page(HTTPStatus.UNAUTHORIZED, pages.SESSION_EXPIRED,
                                    clear_cookie=True)
        if not session.csrf_ok(form.get("csrf")):
            self.app.log.warning("mypage save refused: bad csrf token, user=%s", session.user)
            return self._refuse(HTTPStatus.FORBIDDEN,
                                "不正なリクエストです。ページを開き直してください。")
        self.app.mypages.save(session.user, form.get("memo", ""))
        self.app.log.info("mypage saved: user=%s", session.user)
        self._redirect("/mypage?saved=1")

    def get_logout(self):
        session = self._session()
        if session:
            self.app.sessions.drop(session.token)
            self.app.log.info("logout: user=%s", session.user)
        self._redirect("/", self._expired_cookie())

    # --- API ---------------------------------------------------------------------------

    def _api_user(self) -> str | None:
        key = self.headers.get(API_KEY_HEADER, "").strip()
        user = self.app.keys.owner(key)
        path = urlsplit(self.path).path
        if user:
            self.app.log.info("api: %s %s user=%s from %s", self.command, path, user,
                              self.client_address[0])
            return user
        reason = "invalid API key" if key else f"missing API key (header {API_KEY_HEADER})"
        self.app.log.warning("api: %s %s refused: %s from %s", self.command, path, reason,
                             self.client_address[0])
        self._json(HTTPStatus.UNAUTHORIZED, {"error": reason})
        return None

    def api_status(self):
        if self._api_user():
            self._json(HTTPStatus.OK, {
                "version": self.app.version,
                "node": self.app.node,
                "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            })

    def api_mypage(self):
        user = self._api_user()
        if user:
            self._json(HTTPStatus.OK, {"user": user, **self.app.mypages.load(user)})

    # --- helpers -----------------------------------------------------------------------

    def _cookie(self) -> str | None:
        try:
            morsel = SimpleCookie(self.headers.get("Cookie", "")).get(COOKIE)
        except CookieError:
            return None
        return morsel.value if morsel else None

    def _session(self) -> Session | None:
        return self.app.sessions.get(self._cookie())

    def _form(self) -> dict[str, str]:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "送信データが大きすぎます。")
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}

    def _expired_cookie(self) -> str:
        return f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"

    def _login_page(self, status, error=None, user="", clear_cookie=False):
        html = pages.login(self.app.version, self.app.node, error, user)
        self._html(status, html, self._expired_cookie() if clear_cookie else None)

    def _html(self, status, html: str, cookie: str | None = None):
        self._send(status, html.encode("utf-8"), "text/html; charset=utf-8", cookie)

    def _json(self, status, data):
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _redirect(self, location: str, cookie: str | None = None):
        self._send(HTTPStatus.SEE_OTHER, b"", None, cookie, location)

    def _send(self, status, body: bytes, content_type, cookie=None, location=None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if location:
            self.send_header("Location", location)
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Cache-Control", "no-store")  # pages carry the user's data
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        # Access lines go to the CL/Web log at debug level, not to stderr.
        self.app.log.debug("%s %s", self.client_address[0], format % args)
