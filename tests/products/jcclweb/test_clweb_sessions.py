"""Sessions: in memory only, so a new server process (failover) knows none of them."""

from __future__ import annotations

from clweb.sessions import Sessions


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_session_is_found_by_its_token_and_dropped():
    sessions = Sessions()
    session = sessions.create("alice")
    assert sessions.get(session.token) is session and session.user == "alice"
    sessions.drop(session.token)
    assert sessions.get(session.token) is None and len(sessions) == 0


def test_unknown_or_missing_tokens_find_nothing():
    sessions = Sessions()
    sessions.create("alice")
    assert sessions.get("forged") is None
    assert sessions.get(None) is None and sessions.get("") is None


def test_tokens_are_random_and_distinct():
    sessions = Sessions()
    a, b = sessions.create("alice"), sessions.create("alice")
    assert a.token != b.token and a.csrf != b.csrf and len(a.token) >= 40


def test_another_process_knows_none_of_the_sessions():
    before, after = Sessions(), Sessions()
    assert after.get(before.create("alice").token) is None


def test_an_idle_session_expires_and_use_keeps_it_alive():
    clock = Clock()
    sessions = Sessions(idle_timeout=60, clock=clock)
    session = sessions.create("alice")
    clock.now += 50
    assert sessions.get(session.token) is session
    clock.now += 50  # 100 s after login, 50 s after the last request
    assert sessions.get(session.token) is session
    clock.now += 61
    assert sessions.get(session.token) is None


def test_abandoned_sessions_are_pruned_at_the_next_login():
    clock = Clock()
    sessions = Sessions(idle_timeout=60, clock=clock)
    sessions.create("alice")
    clock.now += 61
    sessions.create("bob")
    assert len(sessions) == 1


def test_the_csrf_token_must_match():
    session = Sessions().create("alice")
    assert session.csrf_ok(session.csrf)
    assert not session.csrf_ok("forged") and not session.csrf_ok("") and not session.csrf_ok(None)
