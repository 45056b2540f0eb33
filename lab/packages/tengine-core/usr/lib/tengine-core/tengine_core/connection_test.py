"""`tengined -k test` (テスト起動): can this core reach the DB and the queue, and does an
event go round? Fire foo, let the connection-test handler fire bar, and wait for both in
the DB (inprocess.py). The result is one line, within DEADLINE seconds whatever is broken."""
from __future__ import annotations

import time
import uuid

from tengine_core import bus as bus_module
from tengine_core import inprocess
from tengine_core import store as store_module
from tengine_core.config import Config

DEADLINE = 10.0  # s, the original's promise
CONNECT_TIMEOUT = inprocess.CONNECT_TIMEOUT  # s for each part: both fail well within DEADLINE
EVENTS = ("foo", "bar")


def run(config: Config, connect_store=store_module.connect, connect_bus=bus_module.connect,
        deadline: float = DEADLINE) -> tuple[int, str]:
    """(exit status, the line to print)."""
    until = time.monotonic() + deadline

    def round_trip(engine) -> list[str]:
        test_id = str(uuid.uuid4())
        engine.fire("foo", {"test_id": test_id})
        missing = list(EVENTS)

        def all_stored() -> bool | None:
            stored = engine.store.event_types_with_test_id(test_id)
            missing[:] = [name for name in EVENTS if name not in stored]
            return None if missing else True

        if inprocess.wait(engine, all_stored, until):
            return []
        return [f"timeout: {' and '.join(missing)} not stored within {deadline:g} s"
                f" (test_id {test_id})"]

    return inprocess.run_check("test", config, round_trip, connect_store, connect_bus,
                                timeout=CONNECT_TIMEOUT)
