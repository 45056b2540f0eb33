"""A made-up Tengine server's files, and stand-ins for the commands the report runs."""

from __future__ import annotations

import gzip
import shlex
from pathlib import Path

from tengine_support.commands import Outcome

# Every secret of the made-up server: none may reach the report.
SECRETS = [
    "db-Pa55",
    "mq-Pa55",
    "agent-Pa55",
    "rabbit-Pa55",
    "log-Pa55",
    "url-Pa55",
    "KEYBODY",
    "SSHKEYBODY",
    "CONSOLEKEY",
    "alice:pbkdf2",
]

PEM = """-----BEGIN RSA PRIVATE KEY-----
MIIEKEYBODYpAIBAAKCAQEAx
-----END RSA PRIVATE KEY-----
"""
CERTIFICATE = """-----BEGIN CERTIFICATE-----
MIIBCERTBODY
-----END CERTIFICATE-----
"""
FILES = {
    "etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n',
    "etc/hosts": "127.0.0.1 localhost\n10.231.10.11 tengine1\n",
    "etc/tengine/tengined.yml": (
        "db:\n  host: db1\n  password: db-Pa55\n"
        "event_queue:\n  connection: {host: mq1, port: 5672, user: tengine, pass: mq-Pa55}\n"
        "tengined:\n  scm:\n    url: git@scm:jobnets.git\n"
        "    ssh_key: /etc/tengine/ssh/id_ed25519\n"
        "    known_hosts: /etc/tengine/ssh/known_hosts\n"
    ),
    "etc/tengine/console.yml": "db: {host: db1, password: ''}\nsession: {timeout: 3600}\n",
    "etc/tengine/console_users": "alice:pbkdf2_sha256$600000$00$11\n",
    "etc/tengine/console/server.key": ("-----BEGIN PRIVATE KEY-----\nCONSOLEKEY\n-----END PRIVATE KEY-----\n"),
    "etc/tengine/console/server.crt": CERTIFICATE,
    "etc/tengine/ssh/id_ed25519": (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nSSHKEYBODY\n-----END OPENSSH PRIVATE KEY-----\n"
    ),
    "etc/tengine/ssh/id_ed25519.pub": "ssh-ed25519 AAAAC3Nz tengine@tengine1\n",
    "etc/tengine/ssh/known_hosts": "scm ssh-ed25519 AAAAC3Nz\n",
    "etc/tengine/ssh/bundle.pem": CERTIFICATE + PEM,
    "etc/tengine_job_agent.yml": "connection: {host: mq1, user: tengine, pass: agent-Pa55}\n",
    "etc/postgresql/15/main/postgresql.conf": "listen_addresses = '*'\nport = 5432\n",
    "etc/postgresql/15/main/pg_hba.conf": "host all all 10.231.10.0/24 scram-sha-256\n",
    "etc/postgresql/15/main/environment": "# not collected: only the two files of the contract\n",
    "etc/rabbitmq/rabbitmq.conf": "default_user = tengine\ndefault_pass = rabbit-Pa55\n",
    "var/log/tengine/tengined.log": "".join(f"2026-11-22 INFO line {n}\n" for n in range(1, 601))
    + "2026-11-22 ERROR connecting to amqp://tengine:url-Pa55@mq1:5672/ password=log-Pa55\n",
    "var/log/tengine_job_agent/42_j1-100.stdout": "hello\n",
}


def make_server(root: Path) -> Path:
    """The made-up server's files below root: no resolv.conf, no Docker, no RabbitMQ or
    PostgreSQL logs; a rotated log compressed with gzip."""
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    with gzip.open(root / "var/log/tengine/tengined.log.1.gz", "wt") as rotated:
        rotated.write("old line 1\nold line 2\n")
    return root


class FakeCommands:
    """A run() for collect: canned (output, problem) by program name; any other command is
    missing."""

    def __init__(self, answers: dict[str, tuple[str, str | None]]):
        self.answers = answers
        self.ran: list[list[str]] = []

    def __call__(self, argv: list[str]) -> Outcome:
        self.ran.append(argv)
        command = shlex.join(argv)
        answer = self.answers.get(argv[0])
        if answer is None:
            return Outcome(command, "", f"{argv[0]}: command not found")
        return Outcome(command, *answer)
