"""Login sessions: random tokens in this process's memory only (a restart logs everyone out),
ended by `session.timeout` seconds without a request or by logging out."""
from __future__ import annotations

import secrets
import threading
import time
from http.cookies import CookieError, SimpleCookie

COOKIE = "tengine_console_session"
# The token is a password for the browser's lifetime: HTTPS only, out of reach of scripts,
# and never sent along with another site's request.
ATTRIBUTES = "Path=/; Secure; HttpOnly; SameSite=Strict"


class Sessions:
    def __init__(self, timeout: float, clock=time.monotonic):
        self.timeout = timeout
        self.clock = clock
        self._sessions: dict[str, tuple[str, float]] = {}  # token -> (user, last request time)
        self._lock = threading.Lock()  # each request runs in its own thread

    def start(self, user: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            # Drop the expired ones here, so abandoned sessions do not pile up.
            self._sessions = {t: seen for t, seen in self._sessions.items()
                               if now - seen[1] <= self.timeout}
            self._sessions[token] = (user, now)
        return token

    def user(self, token: str | None) -> str | None:
        """The user of a live session, whose idle time starts again; None if none or expired."""
        now = self.clock()
        with self._lock:
            user, seen = self._sessions.get(token or "", (None, 0.0))
            if user is None or now - seen > self.timeout:
                self._sessions.pop(token or "", None)
                return None
            self._sessions[token] = (user, now)
            return user

    def end(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)


def token_in(cookie_header: str | None) -> str | None:
    try:
        morsel = SimpleCookie(cookie_header or "").get(COOKIE)
    except CookieError:
        return None  # a malformed header is no session, not an error
    return morsel.value if morsel else None


def set_cookie(token: str) -> str:
    return f"{COOKIE}={token}; {ATTRIBUTES}"


def clear_cookie() -> str:
    return f"{COOKIE}=; Max-Age=0; {ATTRIBUTES}"
