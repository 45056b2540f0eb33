"""The events the agent fires, in Tengine's wire format: one JSON object per AMQP message."""
from __future__ import annotations

import json
import os
import socket
import uuid
from datetime import datetime, timezone

HEARTBEAT = "gr_heartbeat"  # the level of heartbeats; everything else the agent fires is info


def new(event_type_name: str, properties: dict, program: str, level: str = "info") -> dict:
    """A new event from this process: a fresh key, now, and `<host>/<pid>/<program>`."""
    host = socket.gethostname()
    return {"event_type_name": event_type_name, "key": str(uuid.uuid4()),
            "source_name": f"{host}/{os.getpid()}/{program}",
            "occurred_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": level, "sender_name": host, "properties": dict(properties)}


def encode(event: dict) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode("utf-8")
