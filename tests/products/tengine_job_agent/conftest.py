"""Tests for the tengine-job-agent package. The lib is imported straight from the package
tree. Nothing reaches a network: in-process tests use agent_fakes.FakeQueue, and the agent's
processes started here import the stand-in pika under fake_pika/, which records to a file."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

import agent_tree  # noqa: F401  first: puts the package's lib on sys.path
from agent_tree import FAKE_PIKA, TREE
from agent_fakes import FakeQueue
from tengine_job_agent.config import Config, load


@pytest.fixture
def log_dir(tmp_path) -> Path:
    folder = tmp_path / "log"
    folder.mkdir()
    return folder


@pytest.fixture
def config_file(tmp_path, log_dir):
    """Write a config for 127.0.0.1 with log_dir under tmp_path; its path."""

    def write(interval: float = 5) -> Path:
        path = tmp_path / "tengine_job_agent.yml"
        path.write_text(
            f"connection: {{host: 127.0.0.1}}\nheartbeat: {{job: {{interval: {interval}}}}}\nlog_dir: {log_dir}\n"
        )
        return path

    return write


@pytest.fixture
def config(config_file) -> Config:
    return load(str(config_file(interval=0.1)))


@pytest.fixture
def queue() -> FakeQueue:
    return FakeQueue()


@pytest.fixture(autouse=True)
def kept_signal_handlers():
    """The watchdog and the agent set handlers in the process that runs them: in-process
    tests must not leave them in pytest's."""
    numbers = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    saved = {number: signal.getsignal(number) for number in numbers}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


@pytest.fixture
def agent_env(tmp_path) -> dict:
    """The environment of agent processes: the stand-in pika, recording to tmp_path/pika.log."""
    return {
        **os.environ,
        "PYTHONPATH": str(FAKE_PIKA),
        "PYTHONDONTWRITEBYTECODE": "1",
        "FAKE_PIKA_LOG": str(tmp_path / "pika.log"),
    }


@pytest.fixture
def command(agent_env):
    """The argv of one of the package's scripts, on this venv's python (which has PyYAML)."""

    def argv(path: str, *args: str) -> list[str]:
        return [sys.executable, str(TREE / path), *args]

    return argv


@pytest.fixture
def process_groups():
    """Process groups the test started (detached watchdogs, their jobs): killed at the end."""
    groups: list[int] = []
    yield groups
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def make_script(tmp_path):
    """Write an executable sh script in tmp_path; its path."""

    def write(name: str, body: str) -> Path:
        path = tmp_path / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
        return path

    return write
