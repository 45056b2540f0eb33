"""The event queue in memory, as a connector for publisher.Publisher, and helpers to wait for
what the agent's processes do."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tengine_job_agent.errors import AgentError

REFUSED = AgentError("queue 127.0.0.1:5672: connection refused")


class FakeQueue:
    """Records each connection and every event published. `refuse` (an AgentError) fails
    connecting; an event whose type is in `lose` fails to publish."""

    def __init__(self):
        self.events: list[dict] = []
        self.connections = self.closed = 0
        self.refuse: AgentError | None = None
        self.lose: set[str] = set()

    def connect(self, settings, idle):
        self.connections += 1
        if self.refuse:
            raise self.refuse
        return FakeChannel(self, settings)

    def types(self) -> list[str]:
        return [event["event_type_name"] for event in self.events]


class FakeChannel:
    def __init__(self, queue: FakeQueue, settings):
        self.queue, self.settings = queue, settings

    def publish(self, body: bytes) -> None:
        event = json.loads(body)
        if event["event_type_name"] in self.queue.lose:
            raise AgentError(f"queue {self.settings.address}: connection lost")
        self.queue.events.append(event)

    def close(self) -> None:
        self.queue.closed += 1


def wait_for(condition, timeout: float = 10.0, what: str = "the condition"):
    """condition()'s first true answer, polled until timeout."""
    deadline = time.monotonic() + timeout
    while True:
        answer = condition()
        if answer:
            return answer
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def published(pika_log: Path) -> list[dict]:
    """The events the stand-in pika was given by agent processes, in order."""
    if not pika_log.exists():
        return []
    entries = [json.loads(line) for line in pika_log.read_text().splitlines()]
    return [json.loads(entry["body"]) for entry in entries if entry["op"] == "publish"]


def finished(pika_log: Path, timeout: float = 10.0) -> dict:
    """The finished.process.job.tengine event, once an agent process fired it."""

    def find():
        return next(
            (event for event in published(pika_log) if event["event_type_name"] == "finished.process.job.tengine"), None
        )

    return wait_for(find, timeout, "finished.process.job.tengine")
