"""Browser sessions, held in this process's memory only.

Deliberately not persisted: when the server process dies or the group fails over to the
other node, every browser is back at the login page (the guide's 注意事項)."""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

IDLE_TIMEOUT = 3600.0  # seconds without a request before a session ends


@dataclass
class Session:
    token: str
    user: str
    csrf: str  # sent back with every form, so another site cannot post as this user
    last_seen: float = field(default=0.0)

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, token)


class Sessions:
    def __init__(self, idle_timeout: float = IDLE_TIMEOUT, clock=time.monotonic):
        self.idle_timeout = idle_timeout
        self.clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()  # the server handles each request in its own thread

    def create(self, user: str) -> Session:
        session = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(32), self.clock())
        with self._lock:
            self._prune()
            self._sessions[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session for token, its idle time reset; None if unknown or expired."""
        if not token:
            return None
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if self.clock() - session.last_seen > self.idle_timeout:
                del self._sessions[token]
                return None
            session.last_seen = self.clock()
            return session

    def drop(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def _prune(self) -> None:
        # Lazily, on login: enough to keep abandoned sessions from piling up.
        cutoff = self.clock() - self.idle_timeout
        for token in [t for t, s in self._sessions.items() if s.last_seen < cutoff]:
            del self._sessions[token]
