"""Nothing acknowledged may be lost: a client keeps appending numbers to a user's MyPage
through the application's web forms, as a browser does (log in, open the page, append, save),
and keeps each number the application answered "saved" for. After the fault and the
recovery, every acknowledged number must still be there (Jepsen's list-append checker, with
one sequential client).

A failed call is not a loss: the client logs in again and goes on. A number whose save got no
answer may or may not be there; only acknowledged ones count. And with none acknowledged
just before the fault, nothing was at stake: `verdict` raises NothingAtStake rather than pass.
"""

from __future__ import annotations

import html
import re
import threading
import time
from dataclasses import dataclass, field

import requests

from oat import webclient
from oat.errors import at_stake


@dataclass(frozen=True)
class Forms:
    """Where the application's forms are and what their fields are called (product data)."""

    base: str  # https://FLOATING-IP
    login: str  # the login form's path
    page: str  # the page holding the memo and its form
    user_field: str
    pass_field: str
    memo_field: str
    token_field: str  # the form's hidden anti-forgery token
    node: str = ""  # a regular expression whose group 1 is the server that answered the page


@dataclass
class AppendClient:
    forms: Forms
    user: str
    secret: str
    ca_file: str
    interval: float = 0.2
    # (connect, read): a node that is down or cut off is seen within a second, but a save's
    # answer is waited for as a browser would; a loaded 2-core host took over 1 s to fsync.
    timeout: tuple[float, float] = (1.0, 4.0)
    acknowledged: list[int] = field(default_factory=list)
    calls: list[tuple[float, bool, str]] = field(default_factory=list)  # (when, saved, what happened)
    saved_by: dict[int, tuple[float, str]] = field(default_factory=dict)  # number -> (when, answering server)
    # Reads that lacked an acknowledged number: (when, answering server, the numbers missing).
    stale_reads: list[tuple[float, str, list[int]]] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._session: requests.Session | None = None
        self._next = 1

    def start(self) -> AppendClient:
        self._thread = threading.Thread(target=self._run, name="oat-append-client", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.time()
            saved, what = self._append(self._next)
            self.calls.append((started, saved, what))
            if saved:
                self.acknowledged.append(self._next)
            self._next += 1  # a number is tried once: an unanswered save may have landed
            self._stop.wait(max(0.0, self.interval - (time.time() - started)))

    def _append(self, number: int) -> tuple[bool, str]:
        f = self.forms
        try:
            if self._session is None:
                session = webclient.session(self.ca_file)  # not REQUESTS_CA_BUNDLE nor a proxy from the environment
                answer = session.post(
                    f.base + f.login,
                    data={f.user_field: self.user, f.pass_field: self.secret},
                    allow_redirects=False,
                    timeout=self.timeout,
                )
                if answer.status_code not in (302, 303):
                    return False, f"login answered {answer.status_code}"
                self._session = session
            page = self._session.get(f.base + f.page, allow_redirects=False, timeout=self.timeout)
            if page.status_code != 200:
                self._session = None
                return False, f"page answered {page.status_code}"
            token, memo = read_form(page.text, f)
            node = re.search(f.node, page.text).group(1) if f.node and re.search(f.node, page.text) else "?"
            missing = self.lost(memo)
            if missing:  # the first sign of a lost write: where and when it was read
                self.stale_reads.append((time.time(), node, missing))
            # One number per line: a memo that does not end a line yet (text typed before) gets one.
            appended = memo + ("\n" if memo and not memo.endswith("\n") else "") + f"{number}\n"
            saved = self._session.post(
                f.base + f.page,
                data={f.token_field: token, f.memo_field: appended},
                allow_redirects=False,
                timeout=self.timeout,
            )
            if saved.status_code in (302, 303) and "saved" in saved.headers.get("Location", ""):
                self.saved_by[number] = (time.time(), node)
                return True, f"saved by {node}"
            self._session = None
            return False, f"save answered {saved.status_code}"
        except requests.RequestException as exc:
            self._session = None
            return False, type(exc).__name__

    # --- the verdict --------------------------------------------------------------------
    def lost(self, final_memo: str) -> list[int]:
        """The acknowledged numbers the memo does not hold after recovery."""
        held = {int(line) for line in final_memo.split() if line.isdigit()}
        return [n for n in self.acknowledged if n not in held]

    def acknowledged_before(self, moment: float, seconds: float, node: str = "") -> list[int]:
        """The numbers acknowledged in the `seconds` before `moment` (by `node`, when given)."""
        return [
            n
            for n in self.acknowledged
            if n in self.saved_by
            and moment - seconds <= self.saved_by[n][0] <= moment
            and node in ("", self.saved_by[n][1])
        ]

    def verdict(
        self, final_memo: str, fault_at: float | None = None, seconds: float = 5.0, node: str = ""
    ) -> list[int]:
        """The acknowledged numbers lost; NothingAtStake when no save was acknowledged at all or,
        given the fault's moment, none in the `seconds` before it (by `node`, when given)."""
        at_stake(len(self.acknowledged), "saves acknowledged to the append client")
        if fault_at is not None:
            by = f" by {node}" if node else ""
            at_stake(
                len(self.acknowledged_before(fault_at, seconds, node)),
                f"saves acknowledged{by} in the {seconds:g} s before the fault",
            )
        return self.lost(final_memo)

    def explain(self, lost: list[int]) -> str:
        """Where each lost number was acknowledged, and the first read that lacked one."""

        def clock(at: float) -> str:
            return time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(at * 10) % 10}"

        said = ", ".join(
            f"{n} (saved {clock(self.saved_by[n][0])} by {self.saved_by[n][1]})"
            for n in lost[:10]
            if n in self.saved_by
        )
        first = self.stale_reads[0] if self.stale_reads else None
        seen = (
            f"; first read without them: {clock(first[0])} from {first[1]} (missing {first[2][:10]})" if first else ""
        )
        return said + seen

    def samples(self):
        """(when, ok) for the availability timeline."""
        return [(at, ok) for at, ok, _ in self.calls]


def read_form(page: str, forms: Forms) -> tuple[str, str]:
    """The form's token and the memo as the page shows it."""
    token = re.search(rf'name="{re.escape(forms.token_field)}"\s+value="([^"]*)"', page)
    memo = re.search(rf'<textarea[^>]*name="{re.escape(forms.memo_field)}"[^>]*>\n?(.*?)</textarea>', page, re.S)
    if token is None or memo is None:
        raise requests.RequestException("the page has no memo form")
    return html.unescape(token.group(1)), html.unescape(memo.group(1))
