"""Sessions in memory, their idle timeout, and the cookie."""

from __future__ import annotations

from types import SimpleNamespace

from tengine_console import sessions
from tengine_console.sessions import Sessions


def test_a_session_ends_after_the_idle_timeout_and_each_request_restarts_it():
    clock = SimpleNamespace(now=1000.0)
    store = Sessions(60, lambda: clock.now)
    token = store.start("alice")
    clock.now += 50
    assert store.user(token) == "alice"
    clock.now += 50  # 100 s after login, 50 s after the last request
    assert store.user(token) == "alice"
    clock.now += 61
    assert store.user(token) is None
    clock.now -= 61
    assert store.user(token) is None  # gone for good, not merely hidden


def test_tokens_are_random_and_end_forgets_them():
    store = Sessions(60)
    first, second = store.start("alice"), store.start("alice")
    assert first != second and len(first) >= 40
    assert store.user("forged") is None and store.user(None) is None
    store.end(first)
    assert store.user(first) is None and store.user(second) == "alice"


def test_the_cookie_is_secure_httponly_and_strict():
    assert sessions.set_cookie("t0k") == ("tengine_console_session=t0k; Path=/; Secure; HttpOnly; SameSite=Strict")
    assert "Max-Age=0" in sessions.clear_cookie()
    assert sessions.token_in("a=b; tengine_console_session=t0k") == "t0k"
    assert sessions.token_in('tengine_console_session="unclosed') is None
    assert sessions.token_in(None) is None
