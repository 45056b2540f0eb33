"""What the report holds for a made-up server, with stand-in commands: every file of the
contract, masked; key files withheld; what is missing or failed noted, never fatal."""

from __future__ import annotations

from datetime import datetime, UTC
from pathlib import Path

import pytest

from support_fakes import SECRETS
from tengine_support.collect import collect
from tengine_support.index import render

WHEN = datetime(2026, 11, 22, 3, 54, 28, tzinfo=UTC)


@pytest.fixture
def report(server, fake_commands):
    return collect(server, fake_commands)


def text(report, name: str) -> str:
    return report.files[name].decode()


def test_the_files_of_the_contract(report):
    assert list(report.files) == [
        "packages.txt",
        "tengine-packages.txt",
        "os-release.txt",
        "uname.txt",
        "network.txt",
        "ports.txt",
        "processes.txt",
        "services.txt",
        "config/etc/tengine/console/server.crt",
        "config/etc/tengine/console.yml",
        "config/etc/tengine/ssh/bundle.pem",
        "config/etc/tengine/ssh/id_ed25519.pub",
        "config/etc/tengine/ssh/known_hosts",
        "config/etc/tengine/tengined.yml",
        "config/etc/tengine_job_agent.yml",
        "config/etc/postgresql/15/main/postgresql.conf",
        "config/etc/postgresql/15/main/pg_hba.conf",
        "config/etc/rabbitmq/rabbitmq.conf",
        "logs/var/log/tengine/tengined.log",
        "logs/var/log/tengine/tengined.log.1.gz",
        "logs/var/log/tengine_job_agent/42_j1-100.stdout",
        "logs/journal.txt",
    ]


def test_the_commands_of_the_contract(fake_commands, report):
    assert fake_commands.ran == [
        ["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${Status}\n"],
        ["uname", "-a"],
        ["ip", "addr"],
        ["ip", "route"],
        ["ss", "-tlnpu"],
        ["ps", "-eo", "pid,ppid,user,etime,args"],
        ["systemctl", "list-units", "--type=service", "--all"],
        ["journalctl", "-n", "500"],
    ]


def test_no_secret_reaches_the_report(report):
    for name, data in report.files.items():
        for secret in SECRETS:
            assert secret not in data.decode(), (name, secret)
    assert "pass: ********}" in text(report, "config/etc/tengine/tengined.yml")
    assert "default_pass = ********" in text(report, "config/etc/rabbitmq/rabbitmq.conf")
    assert "--password=********" in text(report, "processes.txt")


def test_key_files_are_withheld_and_certificates_kept(report):
    assert report.withheld == [
        "/etc/tengine/console/server.key",
        "/etc/tengine/console_users",
        "/etc/tengine/ssh/id_ed25519",
    ]
    bundle = text(report, "config/etc/tengine/ssh/bundle.pem")
    assert "MIIBCERTBODY" in bundle
    assert "-----BEGIN RSA PRIVATE KEY-----\n********\n-----END RSA PRIVATE KEY-----" in bundle


def test_an_empty_password_stays_visible(report):
    assert "password: ''" in text(report, "config/etc/tengine/console.yml")


def test_logs_are_their_last_500_lines(report):
    lines = text(report, "logs/var/log/tengine/tengined.log").splitlines()
    assert len(lines) == 500 and lines[0] == "2026-11-22 INFO line 102"
    assert lines[-1] == ("2026-11-22 ERROR connecting to amqp://tengine:********@mq1:5672/ password=********")
    assert text(report, "logs/var/log/tengine/tengined.log.1.gz") == "old line 1\nold line 2\n"
    assert text(report, "logs/journal.txt") == "$ journalctl -n 500\n-- No entries --\n"


def test_the_packages_and_the_tengine_packages(report):
    packages = text(report, "packages.txt").splitlines()
    assert packages[0].split() == ["name", "version", "status"]
    assert "tengine-core     1.1.0           install ok installed" in packages
    assert len(packages) == 7
    grouped = text(report, "tengine-packages.txt")
    assert grouped.startswith(  # a removed package whose config files stay is shown as such
        "== Tengine\n"
        "name             version  status\n"
        "tengine-console  1.1.0    deinstall ok config-files\n"
        "tengine-core     1.1.0    install ok installed\n\n"
    )
    assert "postgresql-15  15.8-0+deb12u1  install ok installed" in grouped
    assert (
        "== queue (RabbitMQ)\nname          version  status\npython3-pika  1.3.1-1  install ok installed\n"
    ) in grouped
    assert "rabbitmq-server" not in grouped  # known to dpkg, not installed
    assert "== SCM (git over SSH)\n(none installed)\n" in grouped


def test_what_is_missing_is_noted_in_its_file_and_in_the_report(report):
    assert text(report, "ports.txt") == "$ ss -tlnpu\n[failed: ss: command not found]\n"
    assert "== /etc/resolv.conf\n[not present on this server]\n" in text(report, "network.txt")
    assert report.absent == ["/etc/resolv.conf", "/etc/docker/daemon.json", "/var/log/postgresql", "/var/log/rabbitmq"]
    assert report.problems == [
        "ports.txt: ss -tlnpu: ss: command not found",
        "services.txt: systemctl list-units --type=service --all: exit status 1:"
        " System has not been booted with systemd",
    ]


def test_a_file_it_cannot_read_is_a_problem_not_a_failure(server, fake_commands, monkeypatch):
    real = Path.read_bytes

    def read_bytes(path):
        if path.name == "pg_hba.conf":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = collect(server, fake_commands)
    assert "config/etc/postgresql/15/main/pg_hba.conf" not in report.files
    assert "config/etc/postgresql/15/main/pg_hba.conf: cannot read: Permission denied" in report.problems


def test_a_failed_package_listing_is_said_in_both_package_files(server, fake_commands):
    del fake_commands.answers["dpkg-query"]
    report = collect(server, fake_commands)
    for name in ("packages.txt", "tengine-packages.txt"):
        assert text(report, name).startswith("[dpkg-query failed: dpkg-query: command not found]\n")


def test_the_index_lists_the_server_and_every_file(report):
    index = render(report, "tengine1", WHEN)
    lines = index.splitlines()
    assert lines[2:5] == ["host  tengine1", "OS    Debian GNU/Linux 12 (bookworm)", "time  2026-11-22 03:54:28 UTC"]
    for name in ["index.txt", *report.files]:
        assert any(line.startswith(f"  {name} ") for line in lines), name
    assert any(
        line.startswith("  config/etc/tengine/tengined.yml ")
        and line.endswith("copy of /etc/tengine/tengined.yml (3 secrets masked)")
        for line in lines
    )
    assert ("Withheld (key files and the console's users: not copied)\n  /etc/tengine/console/server.key\n") in index
    assert "Not on this server\n  /etc/resolv.conf\n" in index
    assert "Problems (noted, not fatal)\n  ports.txt: ss -tlnpu: ss: command not found\n" in index
