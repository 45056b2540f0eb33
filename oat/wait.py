"""Bounded polls: every wait in the suite is a condition with a deadline and a message."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from oat.errors import LabError

T = TypeVar("T")


class WaitTimeout(LabError):
    """A condition did not come true within its time limit."""


def wait_until(
    condition: Callable[[], T],
    timeout: float,
    message: str | Callable[[], str],
    interval: float = 0.2,
) -> T:
    """Poll `condition` until it returns a truthy value; return that value.

    On timeout raise WaitTimeout with `message` (a callable is called then, so it can show
    the state at the deadline, e.g. a server's status).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise WaitTimeout(f"{text} (waited {timeout:g} s)")
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
