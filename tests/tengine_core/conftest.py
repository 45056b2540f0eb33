"""Tests for the tengine-core package. The lib is imported straight from the package tree;
the DB and the queue are in-memory stand-ins, and git works on local bare repositories."""
from __future__ import annotations

import pytest

import tengine_tree  # noqa: F401  first: puts the package's lib on sys.path
from tengine_core.config import Config, Db, EventQueue, LogCommon, Process, QueueConnection
from tengine_fakes import Repository


@pytest.fixture
def config(tmp_path) -> Config:
    """Settings for 127.0.0.1 with the pid file and the log under tmp_path."""
    (tmp_path / "log").mkdir()
    return Config(db=Db(host="127.0.0.1"),
                  event_queue=EventQueue(connection=QueueConnection(host="127.0.0.1")),
                  process=Process(pid_dir=str(tmp_path / "run")),
                  log_common=LogCommon(output=str(tmp_path / "log")))

@pytest.fixture
def repository(tmp_path) -> Repository:
    return Repository(tmp_path / "scm")
