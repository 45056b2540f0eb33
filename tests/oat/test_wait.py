"""oat.wait: bounded polls with a deadline and a message."""

from __future__ import annotations

import time

import pytest

from oat.errors import LabError
from oat.wait import WaitTimeout, wait_until


def test_returns_the_first_truthy_value():
    values = iter([None, 0, "", "ready"])
    assert wait_until(lambda: next(values), timeout=0.3, message="never", interval=0.001) == "ready"


def test_a_true_condition_returns_at_once_without_sleeping():
    started = time.monotonic()
    assert wait_until(lambda: {"state": "running"}, timeout=30, message="x", interval=5) == {"state": "running"}
    assert time.monotonic() - started < 1  # one sleep would take 5 s: far from any load


def test_times_out_with_the_message_and_the_timeout():
    with pytest.raises(WaitTimeout) as info:
        wait_until(lambda: False, timeout=0.05, message="server 'core' did not boot", interval=0.01)
    assert str(info.value) == "server 'core' did not boot (waited 0.05 s)"


def test_the_timeout_is_respected():
    started = time.monotonic()
    with pytest.raises(WaitTimeout):
        wait_until(lambda: False, timeout=0.1, message="slow", interval=5)
    assert 0.1 <= time.monotonic() - started < 2  # the sleep is cut at the deadline, not 5 s


def test_a_callable_message_is_evaluated_at_the_timeout():
    state = {"polls": 0, "message_calls": 0}

    def condition():
        state["polls"] += 1
        return False

    def message():
        state["message_calls"] += 1
        return f"still down after {state['polls']} polls"

    with pytest.raises(WaitTimeout) as info:
        wait_until(condition, timeout=0.05, message=message, interval=0.01)
    assert state["message_calls"] == 1
    assert str(info.value) == f"still down after {state['polls']} polls (waited 0.05 s)"
    assert state["polls"] >= 2


def test_a_callable_message_is_not_evaluated_on_success():
    def message():
        raise AssertionError("must not be called")

    assert wait_until(lambda: True, timeout=0.05, message=message) is True


def test_a_zero_timeout_polls_once():
    calls = []
    with pytest.raises(WaitTimeout):
        wait_until(lambda: calls.append(1), timeout=0, message="once")
    assert calls == [1]


def test_an_error_in_the_condition_propagates():
    def condition():
        raise ConnectionError("engine gone")

    with pytest.raises(ConnectionError, match="engine gone"):
        wait_until(condition, timeout=0.05, message="x")


def test_wait_timeout_is_a_lab_error():
    assert issubclass(WaitTimeout, LabError)
