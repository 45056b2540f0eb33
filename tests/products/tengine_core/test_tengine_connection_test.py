"""`tengined -k test`: the one line it prints, for a working lab and for each broken part."""

from __future__ import annotations

import time

import pytest

from tengine_core import connection_test, handlers
from tengine_core.errors import ServerError
from tengine_fakes import FakeBus, FakeStore, ResidentBus, connector

DB_DOWN = ServerError("db", "10.231.10.12:5432", "connection refused")
QUEUE_DOWN = ServerError("event_queue", "10.231.10.13:5672", "access refused for user 'tengine'")


def test_success_when_foo_and_bar_come_back(config):
    store, bus = FakeStore(), FakeBus()
    assert connection_test.run(config, connector(store), connector(bus)) == (0, "Connection test success.")
    foo, bar = sorted(store.events.values(), key=lambda e: e.event_type_name != "foo")
    assert (foo.event_type_name, bar.event_type_name) == ("foo", "bar")
    assert bar.properties == {"test_id": foo.properties["test_id"], "caused_by": foo.key}
    assert store.has_schema and bus.declared
    assert store.closed and bus.closed


def test_each_part_gets_three_seconds_to_connect(config):
    connect_store, connect_bus = connector(FakeStore()), connector(FakeBus())
    connection_test.run(config, connect_store, connect_bus)
    assert connect_store.calls == [(config.db, 3.0)]
    assert connect_bus.calls == [(config.event_queue, 3.0)]


@pytest.mark.parametrize(
    "store, bus, reasons",
    [
        (DB_DOWN, FakeBus(), "db 10.231.10.12:5432: connection refused"),
        (FakeStore(), QUEUE_DOWN, "event_queue 10.231.10.13:5672: access refused for user 'tengine'"),
        (
            DB_DOWN,
            QUEUE_DOWN,
            "db 10.231.10.12:5432: connection refused;"
            " event_queue 10.231.10.13:5672: access refused for user 'tengine'",
        ),
    ],
    ids=["db", "queue", "both"],
)
def test_a_broken_part_is_named_with_its_address_and_cause(config, store, bus, reasons):
    assert connection_test.run(config, connector(store), connector(bus)) == (1, f"Connection test failure: [{reasons}]")
    for part in (store, bus):
        assert isinstance(part, ServerError) or part.closed


def test_a_connection_lost_during_the_round_trip(config):
    store = FakeStore()

    def lost(_test_id):
        raise ServerError("db", "127.0.0.1:5432", "server closed the connection unexpectedly")

    store.event_types_with_test_id = lost
    assert connection_test.run(config, connector(store), connector(FakeBus())) == (
        1,
        "Connection test failure: [db 127.0.0.1:5432: server closed the connection unexpectedly]",
    )


def test_events_that_never_come_back_time_out(config):
    started = time.monotonic()
    code, line = connection_test.run(config, connector(FakeStore()), connector(FakeBus(delivers=False)), deadline=0.3)
    assert time.monotonic() - started < 1
    assert code == 1
    assert line.startswith("Connection test failure: [timeout: foo and bar not stored within 0.3 s (test_id ")


def test_a_resident_core_that_takes_foo_completes_the_test(config):
    """The queue hands foo to another core; it stores foo and bar in the same DB."""
    store, ours = FakeStore(), FakeBus(delivers=False)
    ours.publish = ResidentBus(store, handlers.builtin()).publish
    assert connection_test.run(config, connector(store), connector(ours)) == (0, "Connection test success.")
