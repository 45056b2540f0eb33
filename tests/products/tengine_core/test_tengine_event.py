"""Events on the wire, and the built-in connection-test handler."""

from __future__ import annotations

import json
import os
import socket
import uuid
from datetime import datetime, UTC

import pytest

from tengine_core import handlers
from tengine_core.event import Event, EventError


def test_a_new_event_says_where_it_comes_from():
    event = Event.new("foo", {"test_id": "t1"}, program="tengine_fire")
    host = socket.gethostname()
    assert event.source_name == f"{host}/{os.getpid()}/tengine_fire"
    assert event.sender_name == host and event.level == "info"
    assert uuid.UUID(event.key).version == 4
    assert event.occurred_at.tzinfo is not None


def test_the_wire_format():
    event = Event(
        "foo",
        "k1",
        "h/1/tengined",
        datetime(2026, 11, 22, 3, 54, 28, 123456, UTC),
        "info",
        "h",
        {"test_id": "t1", "名前": "値"},
    )
    assert json.loads(event.to_json()) == {
        "event_type_name": "foo",
        "key": "k1",
        "source_name": "h/1/tengined",
        "occurred_at": "2026-11-22T03:54:28.123456Z",
        "level": "info",
        "sender_name": "h",
        "properties": {"test_id": "t1", "名前": "値"},
    }
    assert "値".encode() in event.to_json()  # UTF-8, not \\u escapes


def test_json_round_trip():
    event = Event.new("bar", {"test_id": "t1", "n": 3})
    assert Event.from_json(event.to_json()) == event


def test_a_time_without_offset_is_utc():
    body = Event.new("foo").to_json().replace(b'Z"', b'"')
    assert Event.from_json(body).occurred_at.tzinfo == UTC


@pytest.mark.parametrize(
    "body, problem",
    [
        (b"\xff", "not a JSON object in UTF-8"),
        (b"[1]", "not a JSON object"),
        (b'{"event_type_name": "foo"}', "key: expected a non-empty string, got None"),
    ],
    ids=["not-utf8", "not-an-object", "no-key"],
)
def test_a_message_that_is_not_an_event(body, problem):
    with pytest.raises(EventError, match=problem):
        Event.from_json(body)


def test_an_unknown_level_is_refused():
    data = json.loads(Event.new("foo").to_json())
    data["level"] = "loud"
    with pytest.raises(EventError, match="level: expected one of gr_heartbeat, debug, info"):
        Event.from_json(json.dumps(data).encode())


def test_the_connection_test_handler_fires_bar_for_foo():
    fired = []
    foo = Event.new("foo", {"test_id": "t1"})
    for handler in handlers.builtin().for_type("foo"):
        handler(foo, lambda name, properties: fired.append((name, properties)))
    assert fired == [("bar", {"test_id": "t1", "caused_by": foo.key})]
    assert handlers.builtin().for_type("bar") == []
