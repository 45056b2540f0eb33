"""Tests for the tengine-core package. The lib is imported straight from the package tree;
the DB and the queue are in-memory stand-ins, git works on local bare repositories, and ssh
is a stand-in script on PATH (nothing connects anywhere)."""

from __future__ import annotations

from pathlib import Path

import pytest

import tengine_tree  # noqa: F401  first: puts the package's lib on sys.path
from tengine_core.config import Config, Db, EventQueue, LogCommon, Process, QueueConnection
from tengine_fakes import Repository


@pytest.fixture
def config(tmp_path) -> Config:
    """Settings for 127.0.0.1 with the pid file and the log under tmp_path."""
    (tmp_path / "log").mkdir()
    return Config(
        db=Db(host="127.0.0.1"),
        event_queue=EventQueue(connection=QueueConnection(host="127.0.0.1")),
        process=Process(pid_dir=str(tmp_path / "run")),
        log_common=LogCommon(output=str(tmp_path / "log")),
    )


@pytest.fixture
def repository(tmp_path) -> Repository:
    return Repository(tmp_path / "scm")


FAKE_SSH = """#!/bin/sh
# A stand-in for OpenSSH's ssh: records its arguments (NUL-separated), then answers as told.
for arg; do printf '%s\\0' "$arg"; done > "$FAKE_SSH_DIR/argv"
[ -n "$FAKE_SSH_SLEEP" ] && exec sleep "$FAKE_SSH_SLEEP"
printf '%s' "$FAKE_SSH_STDOUT"
printf '%s' "$FAKE_SSH_STDERR" >&2
exit "${FAKE_SSH_STATUS:-0}"
"""


class FakeSsh:
    """The `ssh` found on PATH during a test."""

    def __init__(self, folder: Path, monkeypatch):
        self.folder = folder
        self.monkeypatch = monkeypatch
        script = folder / "ssh"
        script.write_text(FAKE_SSH)
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
        monkeypatch.setenv("FAKE_SSH_DIR", str(folder))
        self.answer()

    def answer(self, stdout: str = "", stderr: str = "", status: int = 0, sleep: str = ""):
        for name, value in [("STDOUT", stdout), ("STDERR", stderr), ("STATUS", str(status)), ("SLEEP", sleep)]:
            self.monkeypatch.setenv(f"FAKE_SSH_{name}", value)

    @property
    def argv(self) -> list[str]:
        """The arguments of the last call."""
        return (self.folder / "argv").read_text().split("\0")[:-1]


@pytest.fixture
def fake_ssh(tmp_path, monkeypatch) -> FakeSsh:
    folder = tmp_path / "fake-ssh"
    folder.mkdir()
    return FakeSsh(folder, monkeypatch)
