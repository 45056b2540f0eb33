"""An in-process core for the commands that wait for events to go round: `-k test`,
`-k jobtest` and `-k run`. It connects to the DB and the queue (both at once, a short timeout
each), consumes with every core's handlers, and polls until what the command waits for is in
the DB. A resident tengined that takes the events from the queue does the same work, so the
command completes either way; and an event this consumer takes is handled as any core would
(never dropped for want of a handler)."""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from tengine_core import bus as bus_module
from tengine_core import jobs, ssh
from tengine_core import store as store_module
from tengine_core.config import Config
from tengine_core.engine import Engine
from tengine_core.errors import ServerError, TengineError

CONNECT_TIMEOUT = 3.0  # s for each of the DB and the queue
POLL = 0.02  # s between looks at the DB: a round trip takes milliseconds on a healthy lab

T = TypeVar("T")


class Unreachable(TengineError):
    """The DB, the queue or both cannot be reached: every ServerError, in that order."""

    def __init__(self, failures: list[ServerError]):
        super().__init__("; ".join(map(str, failures)))
        self.failures = failures


def failure_line(test: str, *reasons: object) -> str:
    """`Connection test failure: [...]` (test = "test" or "jobtest")."""
    return f"Connection {test} failure: [{'; '.join(map(str, reasons))}]"


def run_check(test: str, config: Config, round_trip: Callable[[Engine], list],
               connect_store=store_module.connect, connect_bus=bus_module.connect,
               **options) -> tuple[int, str]:
    """(exit status, the line to print) of a test start (テスト起動; test = "test" or "jobtest"):
    round_trip(engine) in an in-process core (core()'s options) gives the reasons of a
    failure, none for `Connection <test> success.`."""
    log = logging.getLogger(f"tengined.{test}")  # its warnings go to stderr (last resort)
    try:
        with core(config, log, connect_store, connect_bus, **options) as engine:
            reasons = round_trip(engine)
    except Unreachable as error:
        reasons = error.failures
    except ServerError as error:  # connected, then lost
        reasons = [error]
    return (1, failure_line(test, *reasons)) if reasons else (0, f"Connection {test} success.")


def connect(config: Config, connect_store, connect_bus, timeout: float) -> tuple:
    """(store, bus); Unreachable names every part that failed (the others are closed)."""
    # Both at once: two parts that time out cost timeout, not twice that.
    with ThreadPoolExecutor(max_workers=2) as pool:
        attempts = [pool.submit(connect_store, config.db, timeout=timeout),
                    pool.submit(connect_bus, config.event_queue, timeout=timeout)]
    connected, failures = [], []
    for attempt in attempts:
        try:
            connected.append(attempt.result())
        except ServerError as error:
            failures.append(error)
    if failures:
        for part in reversed(connected):
            part.close()
        raise Unreachable(failures)
    return tuple(connected)


@contextmanager
def core(config: Config, log: logging.Logger, connect_store=store_module.connect,
         connect_bus=bus_module.connect, timeout: float = CONNECT_TIMEOUT,
         start_agent=ssh.start_agent) -> Iterator[Engine]:
    """A consuming engine on the DB (schema made) and the queue (declared), closed at the end."""
    store, bus = connect(config, connect_store, connect_bus, timeout)
    try:
        store.ensure_schema()
        bus.declare()
        engine = Engine(store, bus, jobs.core_handlers(config, store, log, start_agent), log)
        engine.consume()
        yield engine
    finally:
        bus.close()
        store.close()


def wait(engine: Engine, done: Callable[[], T | None], until: float) -> T | None:
    """done()'s first answer that is not None, handling events meanwhile; None at until
    (time.monotonic())."""
    while True:
        answer = done()
        if answer is not None:
            return answer
        left = until - time.monotonic()
        if left <= 0:
            return None
        engine.poll(min(POLL, left))
