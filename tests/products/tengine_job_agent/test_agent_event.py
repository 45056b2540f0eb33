"""The events on the wire: the contract's JSON object, UTF-8."""

from __future__ import annotations

import json
import os
import re
import socket
import uuid
from datetime import datetime, timedelta, UTC

from tengine_job_agent import event


def test_a_new_event_has_the_wire_formats_fields():
    fired = event.new("finished.process.job.tengine", {"exit_status": 0}, "tengine_job_agent_watchdog")
    host = socket.gethostname()
    assert fired == {
        "event_type_name": "finished.process.job.tengine",
        "key": fired["key"],
        "source_name": f"{host}/{os.getpid()}/tengine_job_agent_watchdog",
        "occurred_at": fired["occurred_at"],
        "level": "info",
        "sender_name": host,
        "properties": {"exit_status": 0},
    }
    assert uuid.UUID(fired["key"]).version == 4
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", fired["occurred_at"])
    occurred = datetime.strptime(fired["occurred_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    now = datetime.now(UTC).replace(tzinfo=None)
    assert now - occurred < timedelta(seconds=5)  # UTC, not local time


def test_each_event_has_its_own_key_and_a_level():
    first = event.new("heartbeat.agent.job.tengine", {}, "tengine_job_agentd", level=event.HEARTBEAT)
    second = event.new("heartbeat.agent.job.tengine", {}, "tengine_job_agentd")
    assert first["key"] != second["key"]
    assert (first["level"], second["level"]) == ("gr_heartbeat", "info")


def test_encoded_as_utf8_json_keeping_non_ascii_text():
    fired = event.new("foo", {"caption": "テスト"}, "x")
    body = event.encode(fired)
    assert "テスト".encode() in body
    assert json.loads(body.decode("utf-8")) == fired
