"""The engine: each event is stored, then its handlers run."""

from __future__ import annotations

import logging

import pytest

from tengine_core import handlers
from tengine_core.engine import Engine
from tengine_core.errors import ServerError
from tengine_core.event import Event
from tengine_fakes import FakeBus, FakeStore


@pytest.fixture
def engine() -> Engine:
    engine = Engine(FakeStore(), FakeBus(), handlers.builtin(), logging.getLogger("test.engine"))
    engine.consume()
    return engine


def test_foo_is_stored_then_bar_is_fired_and_stored(engine):
    foo = engine.fire("foo", {"test_id": "t1"})
    engine.poll(0)
    stored = sorted(engine.store.events.values(), key=lambda e: e.event_type_name != "foo")
    assert [e.event_type_name for e in stored] == ["foo", "bar"]
    assert stored[1].properties == {"test_id": "t1", "caused_by": foo.key}
    assert len(engine.bus.acked) == 2


def test_a_redelivered_event_is_stored_once_and_handled_again(engine):
    foo = Event.new("foo", {"test_id": "t1"})
    assert engine.on_message(foo.to_json()) and engine.on_message(foo.to_json())
    assert [e.event_type_name for e in engine.store.events.values()] == ["foo"]
    assert [e.event_type_name for e in engine.bus.published] == ["bar", "bar"]


def test_a_message_that_is_not_an_event_is_rejected(engine, caplog):
    engine.bus.messages.append(b"hello")
    engine.poll(0)
    assert engine.bus.rejected == [b"hello"] and not engine.store.events
    assert "dropped a message that is not a tengine event" in caplog.text


def test_a_failing_handler_is_logged_and_the_event_still_acknowledged(engine, caplog):
    def broken(_event, _fire):
        raise KeyError("oops")

    engine.handlers.add("foo", broken)
    assert engine.on_message(Event.new("foo").to_json()) is True
    assert "handler broken failed on foo event" in caplog.text
    assert [e.event_type_name for e in engine.bus.published] == ["bar"]  # the others ran


def test_a_lost_db_stops_the_engine(engine):
    def lost(_event):
        raise ServerError("db", "127.0.0.1:5432", "server closed the connection unexpectedly")

    engine.store.store_event = lost
    engine.fire("foo", {})
    with pytest.raises(ServerError, match="db 127.0.0.1:5432"):
        engine.poll(0)
    assert not engine.bus.acked  # the broker redelivers it to the next core
