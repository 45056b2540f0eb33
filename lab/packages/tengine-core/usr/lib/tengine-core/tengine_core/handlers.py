"""Event handlers by event type, and the connection-test handler every core has built in."""
from __future__ import annotations

from collections import defaultdict
from typing import Callable

from tengine_core.event import Event

# fire(event_type_name, properties) publishes a new event and returns it.
Fire = Callable[[str, dict], Event]
Handler = Callable[[Event, Fire], None]


class Handlers:
    """Which handlers run, in the order they were added, for each event type."""

    def __init__(self):
        self._by_type: dict[str, list[Handler]] = defaultdict(list)

    def add(self, event_type_name: str, handler: Handler) -> None:
        self._by_type[event_type_name].append(handler)

    def for_type(self, event_type_name: str) -> list[Handler]:
        return list(self._by_type.get(event_type_name, ()))


def connection_test(event: Event, fire: Fire) -> None:
    """foo → bar with the same test_id: the test start waits for both in the DB, so any core
    that takes foo from the queue (this one, or a resident tengined) completes the test."""
    properties = {"test_id": event.properties["test_id"]} if "test_id" in event.properties else {}
    properties["caused_by"] = event.key
    fire("bar", properties)


def builtin() -> Handlers:
    handlers = Handlers()
    handlers.add("foo", connection_test)
    return handlers
