"""Stand-ins for the DB and the queue (this venv has neither psycopg2 nor pika), and a local
git SCM. Imported by the tests and by conftest."""

from __future__ import annotations

import copy
import logging
import shlex
import subprocess
import threading
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path

from tengine_core.engine import Engine
from tengine_core.errors import ServerError
from tengine_core.event import Event
from tengine_core.ssh import SshError

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
    """The DB in memory, with the store.Store interface. `writes` records every execution
    as written: (id, status, {job: status})."""

    def __init__(self):
        self.events = {}
        self.jobnets = {}
        self.executions = {}
        self.writes = []
        self._lock = threading.Lock()  # FOR UPDATE
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

    def events_with_property(self, name, value) -> list[tuple[str, dict]]:
        return [
            (e.event_type_name, e.properties) for e in list(self.events.values()) if e.properties.get(name) == value
        ]

    def event_types_with_test_id(self, test_id) -> set[str]:
        return {name for name, _ in self.events_with_property("test_id", test_id)}

    def upsert_jobnets(self, jobnets, revision):
        self.jobnets.update({jobnet.name: (jobnet, revision) for jobnet in jobnets})

    def find_jobnet(self, name):
        return copy.deepcopy(self.jobnets[name][0].definition) if name in self.jobnets else None

    def find_execution(self, start_event):
        found = [e for e in self.executions.values() if e.detail["start_event"] == start_event]
        return copy.deepcopy(found[0]) if found else None

    def create_execution(self, new):
        with self._lock:
            found = self.find_execution(new.detail["start_event"])
            if found:
                return found, False
            new.id = len(self.executions) + 1
            self._write(new)
            return new, True

    @contextmanager
    def lock_execution(self, execution_id):
        with self._lock:
            execution = copy.deepcopy(self.executions.get(execution_id))
            before = copy.deepcopy(execution)
            yield execution
            if execution != before:
                self._write(execution)

    def _write(self, execution):
        self.executions[execution.id] = copy.deepcopy(execution)
        self.writes.append(
            (execution.id, execution.status, {name: job["status"] for name, job in execution.detail["jobs"].items()})
        )

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


class FakeAgent:
    """ssh.start_agent's stand-in: records (server name, command, timeout); raises SshError
    for the servers in `refuse`; else, as the agent's watchdog would, fires
    finished.process.job.tengine on `bus` with the exit status `exits` gives the script
    (default 0), unless the script is in `hangs`."""

    def __init__(self, bus, exits=None, refuse=None, hangs=()):
        self.bus = bus
        self.exits = exits or {}
        self.refuse = refuse or {}
        self.hangs = hangs
        self.calls = []

    def __call__(self, server, command, timeout=10.0):
        self.calls.append((server.name, command, timeout))
        if server.name in self.refuse:
            raise SshError(self.refuse[server.name])
        *variables, agent, script = shlex.split(command)
        assert agent == "tengine_job_agent_run"
        if script in self.hangs:
            return
        job_id = dict(v.split("=", 1) for v in variables)["MM_ACTUAL_JOB_ID"].replace("/", "_")
        self.bus.publish(
            Event.new(
                "finished.process.job.tengine",
                {
                    "pid": 4321,
                    "exit_status": self.exits.get(script, 0),
                    "command": script,
                    "stdout_log": f"/var/log/tengine_job_agent/{job_id}-4321.stdout",
                    "stderr_log": f"/var/log/tengine_job_agent/{job_id}-4321.stderr",
                    **dict(v.split("=", 1) for v in variables),
                },
                program="tengine_job_agent_watchdog",
            )
        )

    def commands(self) -> list[str]:
        return [command for _, command, _ in self.calls]


class ResidentBus(FakeBus):
    """The queue as a resident core on the same DB consumes it: what is published there is
    handled by that core at once (the queue gave it that core, not the one under test)."""

    def __init__(self, store, handlers):
        super().__init__()
        log = logging.getLogger("resident")
        Engine(store, self, handlers, log).consume()

    def publish(self, event):
        super().publish(event)
        self.poll(0)


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
    return subprocess.run(
        ["git", "-c", "user.name=dev", "-c", "user.email=dev@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


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
