"""Commands: the output of one that works, and a failure in words for one that is missing,
fails or takes too long."""

from __future__ import annotations

import time

from tengine_support.commands import TIMEOUT, Outcome, run


def test_the_contracts_time_limit():
    assert TIMEOUT == 10


def test_a_command_that_works():
    assert run(["echo", "hello world"]) == Outcome("echo 'hello world'", "hello world\n")


def test_a_missing_command():
    outcome = run(["no-such-command-oat", "-x"])
    assert outcome.problem == "no-such-command-oat: command not found"
    assert outcome.as_text() == ("$ no-such-command-oat -x\n[failed: no-such-command-oat: command not found]\n")


def test_a_failing_command_says_its_status_and_last_error_line():
    outcome = run(["sh", "-c", "echo partial; echo first >&2; echo 'the cause' >&2; exit 3"])
    assert (outcome.output, outcome.problem) == ("partial\n", "exit status 3: the cause")


def test_a_command_that_takes_too_long_is_stopped():
    started = time.monotonic()
    outcome = run(["sleep", "5"], timeout=0.2)
    assert time.monotonic() - started < 3
    assert outcome.problem == "timed out after 0.2 s"
