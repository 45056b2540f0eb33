"""Tests for the tengine-support package. The lib is imported straight from the package tree;
the files it collects come from a made-up server below tmp_path (--root), so nothing depends
on this machine's /etc and /var/log; its commands run on this machine or are stand-ins."""

from __future__ import annotations

from pathlib import Path

import pytest

import support_tree  # noqa: F401  first: puts the package's lib on sys.path
from support_fakes import FakeCommands, make_server


@pytest.fixture
def server(tmp_path) -> Path:
    return make_server(tmp_path / "server")


@pytest.fixture
def fake_commands() -> FakeCommands:
    packages = (
        "tengine-core\t1.1.0\tinstall ok installed\n"
        "tengine-console\t1.1.0\tdeinstall ok config-files\n"
        "postgresql-15\t15.8-0+deb12u1\tinstall ok installed\n"
        "python3-pika\t1.3.1-1\tinstall ok installed\n"
        "rabbitmq-server\t3.10.8-1.1\tunknown ok not-installed\n"
        "libkeyutils1\t1.6.3-2\tinstall ok installed\n"
    )
    return FakeCommands(
        {
            "dpkg-query": (packages, None),
            "uname": ("Linux tengine1 6.1.0 x86_64 GNU/Linux\n", None),
            "ip": ("1: lo: <LOOPBACK,UP>\n", None),
            "ps": (
                "PID PPID USER ELAPSED COMMAND\n1 0 root 01:00 /sbin/init\n"
                "99 1 postgres 00:10 psql --password=db-Pa55\n",
                None,
            ),
            "systemctl": ("", "exit status 1: System has not been booted with systemd"),
            "journalctl": ("-- No entries --\n", None),
        }
    )
