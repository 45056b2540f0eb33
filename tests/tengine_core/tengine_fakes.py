"""Stand-ins for the DB and the queue (this venv has neither psycopg2 nor pika), and a local
git SCM. Imported by the tests and by conftest."""
from __future__ import annotations

import subprocess
import time
from collections import deque
from pathlib import Path

from tengine_core.errors import ServerError

JN_HELLO = """\
jobnet: jn_hello
caption: テストジョブネット
jobs:
  - name: j1
    server: job1
    script: /home/tengine/hello.sh
    depends_on: []
"""


class FakeStore:
    """The DB in memory, with the store.Store interface."""

    def __init__(self):
        self.events = {}
        self.jobnets = {}
        self.has_schema = self.closed = False

    def ensure_schema(self):
        self.has_schema = True

    def ping(self):
        pass

    def store_event(self, event) -> bool:
        if event.key in self.events:
            return False
        self.events[event.key] = event
        return True

    def event_types_with_test_id(self, test_id) -> set[str]:
        return {e.event_type_name for e in self.events.values()
                if e.properties.get("test_id") == test_id}

    def upsert_jobnets(self, jobnets, revision):
        self.jobnets.update({jobnet.name: (jobnet, revision) for jobnet in jobnets})

    def close(self):
        self.closed = True


class FakeBus:
    """The queue in memory, with the bus.Bus interface: poll() hands what was published to
    the consumer. delivers=False is a queue whose messages some other consumer takes."""

    def __init__(self, delivers: bool = True):
        self.delivers = delivers
        self.messages = deque()
        self.published = []
        self.acked, self.rejected = [], []
        self.on_message = None
        self.declared = self.closed = False

    def declare(self):
        self.declared = True

    def publish(self, event):
        self.published.append(event)
        self.messages.append(event.to_json())

    def consume(self, on_message):
        self.on_message = on_message

    def poll(self, seconds):
        if not self.delivers:
            time.sleep(seconds)
        while self.delivers and self.messages and self.on_message:
            body = self.messages.popleft()
            (self.acked if self.on_message(body) else self.rejected).append(body)

    def close(self):
        self.closed = True


def connector(part):
    """A connect function that returns part, or raises it when it is a ServerError."""
    calls = []

    def connect(settings, timeout=3.0, **_options):
        calls.append((settings, timeout))
        if isinstance(part, ServerError):
            raise part
        return part

    connect.calls = calls
    return connect


# --- git --------------------------------------------------------------------------------

def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(["git", "-c", "user.name=dev", "-c", "user.email=dev@example.org",
                           *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


class Repository:
    """A bare repository (the SCM) and a working copy the developer pushes from."""

    def __init__(self, root: Path, branch: str = "main"):
        self.url = str(root / "jobnets.git")
        self.branch = branch
        self.work = root / "developer"
        git("init", "--quiet", "--bare", f"--initial-branch={branch}", self.url)
        git("clone", "--quiet", self.url, str(self.work))

    def push(self, files: dict[str, str | None], message: str = "definitions") -> str:
        """Write (or, for None, delete) files, commit, push; the new commit id."""
        for name, text in files.items():
            path = self.work / name
            if text is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
        git("add", "--all", cwd=self.work)
        git("commit", "--quiet", "-m", message, cwd=self.work)
        git("push", "--quiet", "origin", f"HEAD:{self.branch}", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work).strip()
