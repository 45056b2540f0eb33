"""The routes: login and logout, the list screens behind a session, and /health."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tengine_console import pages, sessions
from tengine_console.errors import ConsoleError
from tengine_console.sessions import Sessions
from tengine_console.store import DbUnavailable, Store
from tengine_console.users import UserFile

MAX_FORM = 16 * 1024  # the login form is two short fields; more is a mistake or an attack
HEADERS = (
    ("Cache-Control", "no-store"),  # the pages show the operator's data
    ("Content-Security-Policy",
     "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
)


@dataclass
class App:
    """What every request needs; one per server process (tests give it a fake store)."""
    users: UserFile
    store: Store
    sessions: Sessions
    log: logging.Logger


class Handler(BaseHTTPRequestHandler):
    server_version = "tengine_console"
    timeout = 30  # a silent client must not hold a thread forever
    user: str | None = None  # the session's user once known, for the access log

    def setup(self):
        self.app: App = self.server.app
        super().setup()

    def version_string(self) -> str:
        return self.server_version  # without the Python version http.server would add

    def do_GET(self):
        store = self.app.store
        self._dispatch({
            "/": lambda: self._redirect(pages.EVENTS.path),
            "/login": self._login_form,
            "/logout": self._logout,
            "/health": self._health,
            pages.EVENTS.path: self._session_page(self._events),
            pages.JOBNETS.path: self._session_page(
                lambda: self._list(pages.JOBNETS, store.jobnets)),
            pages.EXECUTIONS.path: self._session_page(
                lambda: self._list(pages.EXECUTIONS, store.executions)),
            pages.VIRTUAL_SERVERS.path: self._session_page(
                lambda: self._list(pages.VIRTUAL_SERVERS, store.virtual_servers)),
        })

    def do_POST(self):
        self._dispatch({"/login": self._login})

    def _dispatch(self, table):
        """Answer with table's handler for the path; errors become their pages."""
        path = urlsplit(self.path).path
        try:
            table.get(path, lambda: self._not_found(path))()
        except DbUnavailable as error:
            self.app.log.error("DB unavailable: %s", error)
            self._html(HTTPStatus.SERVICE_UNAVAILABLE,
                       pages.error_page("エラー", f"{pages.DB_UNAVAILABLE}: {error}", self.user))
        except ConsoleError as error:  # e.g. an unreadable users file
            self.app.log.error("%s %s: %s", self.command, path, error)
            self._html(HTTPStatus.INTERNAL_SERVER_ERROR,
                       pages.error_page("エラー", pages.SERVER_ERROR, self.user))

    def _not_found(self, path: str):
        self._html(HTTPStatus.NOT_FOUND,
                   pages.error_page("エラー", f"{pages.NOT_FOUND}: {path}", self.user))

    # --- session -----------------------------------------------------------------------

    def _token(self) -> str | None:
        return sessions.token_in(self.headers.get("Cookie"))

    def _session_page(self, show):
        """show, for a browser with a live session; any other goes to the login page."""
        def guarded():
            self.user = self.app.sessions.user(self._token())
            if self.user:
                show()
            else:
                self._redirect("/login")
        return guarded

    def _login_form(self):
        if self.app.sessions.user(self._token()):
            return self._redirect(pages.EVENTS.path)
        self._html(HTTPStatus.OK, pages.login_page())

    def _login(self):
        form = self._form()
        if form is None:
            return self._html(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                              pages.error_page("エラー", "送信データが大きすぎます"))
        name, password = form.get("user", ""), form.get("password", "")
        if not (name and password and self.app.users.verify(name, password)):
            self.app.log.warning("login failed: user=%r from %s", name[:64], self.client_address[0])
            return self._html(HTTPStatus.UNAUTHORIZED, pages.login_page(pages.LOGIN_FAILED, name))
        self.user = name
        self.app.log.info("login: user=%s from %s", name, self.client_address[0])
        self._redirect(pages.EVENTS.path, sessions.set_cookie(self.app.sessions.start(name)))

    def _logout(self):
        token = self._token()
        self.user = self.app.sessions.user(token)
        self.app.sessions.end(token)
        if self.user:
            self.app.log.info("logout: user=%s", self.user)
        self._redirect("/login", sessions.clear_cookie())

    # --- screens -----------------------------------------------------------------------

    def _events(self):
        query = parse_qs(urlsplit(self.path).query)
        event_type_name = query.get("event_type_name", [""])[0].strip()
        rows = self.app.store.events(event_type_name or None)
        self._html(HTTPStatus.OK, pages.events_page(rows, self.user, event_type_name))

    def _list(self, listing: pages.Listing, fetch):
        self._html(HTTPStatus.OK, pages.list_page(listing, fetch(), self.user))

    def _health(self):
        try:
            self.app.store.ping()
        except DbUnavailable as error:
            return self._send(HTTPStatus.SERVICE_UNAVAILABLE,
                              f"{pages.DB_UNAVAILABLE}: {error}\n", "text/plain; charset=utf-8")
        self._send(HTTPStatus.OK, "ok\n", "text/plain; charset=utf-8")

    # --- answers -----------------------------------------------------------------------

    def _form(self) -> dict[str, str] | None:
        """The posted form's fields; None if it is too large to read."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if not 0 <= length <= MAX_FORM:
            return None
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        return {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}

    def _html(self, status: HTTPStatus, page: str, cookie: str | None = None):
        self._send(status, page, "text/html; charset=utf-8", cookie)

    def _redirect(self, location: str, cookie: str | None = None):
        self._send(HTTPStatus.FOUND, "", "text/plain; charset=utf-8", cookie, location)

    def _send(self, status, body: str, content_type: str, cookie=None, location=None):
        data = body.encode("utf-8")
        headers = [("Content-Type", content_type), ("Content-Length", str(len(data))), *HEADERS]
        headers += [("Location", location)] if location else []
        headers += [("Set-Cookie", cookie)] if cookie else []
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        # The access log: client, user (or -), then http.server's own request line and status.
        # The request line is the client's text: control characters are escaped, so it cannot
        # forge lines or colours in the log.
        line = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in format % args)
        self.app.log.info("%s %s %s", self.client_address[0], self.user or "-", line)
