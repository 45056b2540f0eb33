"""A Tengine event (tengine_event) and its wire format: one JSON object per AMQP message."""
from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from tengine_core.errors import TengineError

LEVELS = ("gr_heartbeat", "debug", "info", "warn", "error", "fatal")
TEXT_FIELDS = ("event_type_name", "key", "source_name", "level", "sender_name")


def timestamp(moment: datetime) -> str:
    """A time as on the wire (and in executions' detail): ISO 8601 in UTC, microseconds, Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class EventError(TengineError):
    """A message that is not a tengine event."""


@dataclass(frozen=True)
class Event:
    event_type_name: str
    key: str
    source_name: str
    occurred_at: datetime
    level: str
    sender_name: str
    properties: dict = field(default_factory=dict)

    @classmethod
    def new(cls, event_type_name: str, properties: dict | None = None,
            program: str = "tengined") -> Event:
        """A new event from this process: a fresh key, now, and `<host>/<pid>/<program>`."""
        host = socket.gethostname()
        return cls(event_type_name=event_type_name, key=str(uuid.uuid4()),
                   source_name=f"{host}/{os.getpid()}/{program}",
                   occurred_at=datetime.now(timezone.utc), level="info", sender_name=host,
                   properties=dict(properties or {}))

    def to_json(self) -> bytes:
        return json.dumps({
            "event_type_name": self.event_type_name, "key": self.key,
            "source_name": self.source_name, "occurred_at": timestamp(self.occurred_at),
            "level": self.level,
            "sender_name": self.sender_name, "properties": self.properties,
        }, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, body: bytes) -> Event:
        """The event in one message body; EventError says what is wrong with it."""
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise EventError(f"not a JSON object in UTF-8: {error}") from None
        if not isinstance(data, dict):
            raise EventError("not a JSON object")
        for name in TEXT_FIELDS + ("occurred_at",):
            if not isinstance(data.get(name), str) or not data[name]:
                raise EventError(f"{name}: expected a non-empty string, got {data.get(name)!r}")
        if data["level"] not in LEVELS:
            raise EventError(f"level: expected one of {', '.join(LEVELS)}, got {data['level']!r}")
        properties = data.get("properties", {})
        if not isinstance(properties, dict):
            raise EventError(f"properties: expected an object, got {properties!r}")
        try:
            occurred = datetime.fromisoformat(data["occurred_at"])
        except ValueError:
            raise EventError(f"occurred_at: not an ISO 8601 time: {data['occurred_at']!r}") from None
        if occurred.tzinfo is None:  # the original's times are UTC
            occurred = occurred.replace(tzinfo=timezone.utc)
        return cls(occurred_at=occurred, properties=properties,
                   **{name: data[name] for name in TEXT_FIELDS})
