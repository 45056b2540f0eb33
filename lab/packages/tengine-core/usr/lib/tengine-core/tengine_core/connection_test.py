"""`tengined -k test` (テスト起動): can this core reach the DB and the queue, and does an
event go round? Fire foo, let the connection-test handler fire bar, and wait for both in
the DB. The result is one line, within DEADLINE seconds whatever is broken."""
from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from tengine_core import bus as bus_module
from tengine_core import handlers
from tengine_core import store as store_module
from tengine_core.config import Config
from tengine_core.engine import Engine
from tengine_core.errors import ServerError

DEADLINE = 10.0  # s, the original's promise
CONNECT_TIMEOUT = 3.0  # s for each of the DB and the queue: both fail well within DEADLINE
POLL = 0.02  # s between looks at the DB: the round trip takes milliseconds on a healthy lab
EVENTS = ("foo", "bar")
SUCCESS = "Connection test success."


def failure(*reasons: object) -> str:
    return f"Connection test failure: [{'; '.join(map(str, reasons))}]"


def run(config: Config, connect_store=store_module.connect, connect_bus=bus_module.connect,
        deadline: float = DEADLINE) -> tuple[int, str]:
    """(exit status, the line to print)."""
    started = time.monotonic()
    # Both at once: two parts that time out cost CONNECT_TIMEOUT, not twice that.
    with ThreadPoolExecutor(max_workers=2) as pool:
        attempts = [pool.submit(connect_store, config.db, timeout=CONNECT_TIMEOUT),
                    pool.submit(connect_bus, config.event_queue, timeout=CONNECT_TIMEOUT)]
    connected, failures = [], []
    for attempt in attempts:
        try:
            connected.append(attempt.result())
        except ServerError as error:
            connected.append(None)
            failures.append(error)
    store, bus = connected
    try:
        if failures:
            return 1, failure(*failures)
        return _round_trip(store, bus, started + deadline, deadline)
    except ServerError as error:  # connected, then lost
        return 1, failure(error)
    finally:
        for part in (bus, store):
            if part is not None:
                part.close()


def _round_trip(store, bus, until: float, deadline: float) -> tuple[int, str]:
    store.ensure_schema()
    bus.declare()
    # An in-process consumer: it takes foo (or bar) when this core wins the message, and a
    # resident tengined that wins it does the same work. Its warnings go to stderr (logging's
    # last resort); the result goes to stdout.
    engine = Engine(store, bus, handlers.builtin(), logging.getLogger("tengined.test"))
    engine.consume()
    test_id = str(uuid.uuid4())
    engine.fire("foo", {"test_id": test_id})
    while True:
        stored = store.event_types_with_test_id(test_id)
        missing = [name for name in EVENTS if name not in stored]
        if not missing:
            return 0, SUCCESS
        left = until - time.monotonic()
        if left <= 0:
            return 1, failure(f"timeout: {' and '.join(missing)} not stored within"
                              f" {deadline:g} s (test_id {test_id})")
        engine.poll(min(POLL, left))
