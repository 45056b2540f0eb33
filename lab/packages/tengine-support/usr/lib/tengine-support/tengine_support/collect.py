"""What the report holds: the commands and files of the contract, each file masked, with what
it holds, and what was withheld, absent or went wrong (all noted, none fatal)."""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tengine_support import commands, files, masking
from tengine_support.commands import Outcome

Run = Callable[[list[str]], Outcome]

PACKAGE_FORMAT = "${Package}\t${Version}\t${Status}\n"
PACKAGE_GROUPS = (  # tengine-packages.txt: fnmatch patterns of package names
    ("Tengine", ("tengine-*",)),
    ("DB (PostgreSQL)", ("postgresql", "postgresql-[0-9]*", "postgresql-client*",
                         "postgresql-common", "python3-psycopg2")),
    ("queue (RabbitMQ)", ("rabbitmq-server", "erlang-base", "python3-pika")),
    ("SCM (git over SSH)", ("git", "openssh-server", "openssh-client")),
    ("platform (Python, containers)", ("python3", "python3-yaml", "docker.io", "docker-ce",
                                       "containerd", "containerd.io", "runc", "podman")),
)
SECTIONS = (  # name, what it holds, its commands, its files (below the root)
    ("os-release.txt", "the OS release (/etc/os-release)", [], ["etc/os-release"]),
    ("uname.txt", "kernel and machine (uname -a)", [["uname", "-a"]], []),
    ("network.txt", "addresses, routes, /etc/hosts and /etc/resolv.conf",
     [["ip", "addr"], ["ip", "route"]], ["etc/hosts", "etc/resolv.conf"]),
    ("ports.txt", "listening TCP and UDP ports and their processes (ss -tlnpu)",
     [["ss", "-tlnpu"]], []),
    ("processes.txt", "every process (ps -eo pid,ppid,user,etime,args)",
     [["ps", "-eo", "pid,ppid,user,etime,args"]], []),
    ("services.txt", "every service unit and its state (systemctl list-units --type=service"
     " --all)", [["systemctl", "list-units", "--type=service", "--all"]], []),
)
CONFIG = ("etc/tengine", "etc/tengine_job_agent.yml", "etc/postgresql/*/main/postgresql.conf",
          "etc/postgresql/*/main/pg_hba.conf", "etc/rabbitmq", "etc/docker/daemon.json")
LOGS = ("var/log/tengine*", "var/log/postgresql", "var/log/rabbitmq")


@dataclass
class Report:
    os_name: str
    files: dict[str, bytes] = field(default_factory=dict)  # name in the archive: content
    about: dict[str, str] = field(default_factory=dict)  # name: what it holds
    withheld: list[str] = field(default_factory=list)  # paths on the server
    absent: list[str] = field(default_factory=list)  # sources this server does not have
    problems: list[str] = field(default_factory=list)

    def add(self, name: str, text: str, about: str) -> None:
        """A file of the report, masked; the index says how many secrets were."""
        masked, count = masking.mask(text)
        self.files[name] = masked.encode("utf-8", errors="surrogateescape")
        self.about[name] = about + (f" ({count} secret{'s' * (count != 1)} masked)"
                                    if count else "")


def collect(root: Path, run: Run = commands.run) -> Report:
    """The report of the server whose files are below root (/ for this one)."""
    report = Report(_os_name(root))
    _packages(report, run)
    _sections(report, root, SECTIONS, run)
    for pattern in CONFIG:
        _copy_files(report, root, pattern, "config", "copy of {}", Path.read_bytes)
    for pattern in LOGS:
        _copy_files(report, root, pattern, "logs", f"last {files.TAIL_LINES} lines of {{}}",
                    files.tail)
    journal = run(["journalctl", "-n", str(files.TAIL_LINES)])
    report.add("logs/journal.txt", journal.as_text(),
               f"last {files.TAIL_LINES} lines of the systemd journal"
               f" (journalctl -n {files.TAIL_LINES})")
    _note(report, "logs/journal.txt", journal)
    return report


def _packages(report: Report, run: Run) -> None:
    listing = run(["dpkg-query", "-W", "-f", PACKAGE_FORMAT])
    rows = sorted(tuple(line.split("\t")) for line in listing.output.splitlines()
                  if line.count("\t") == 2)
    failed = f"[dpkg-query failed: {listing.problem}]\n" if listing.problem else ""
    report.add("packages.txt", failed + _table(rows),
               "every package dpkg knows: name, version, status (dpkg-query -W)")
    _note(report, "packages.txt", listing)
    installed = [row for row in rows if not row[2].endswith("not-installed")]
    text = failed
    for group, patterns in PACKAGE_GROUPS:
        members = [row for row in installed
                   if any(fnmatch.fnmatchcase(row[0], pattern) for pattern in patterns)]
        text += f"== {group}\n" + (_table(members) if members else "(none installed)\n") + "\n"
    report.add("tengine-packages.txt", text,
               "the Tengine packages and the DB, queue, SCM and platform packages installed,"
               " with versions")


def _table(rows: list[tuple[str, ...]]) -> str:
    rows = [("name", "version", "status"), *rows]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    return "".join(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}\n" for row in rows)


def _sections(report: Report, root: Path, sections, run: Run) -> None:
    for name, about, argvs, paths in sections:
        parts = []
        for argv in argvs:
            outcome = run(argv)
            parts.append(outcome.as_text())
            _note(report, name, outcome)
        for relative in paths:
            parts.append(f"== /{relative}\n{_file_text(report, root, relative, name)}")
        report.add(name, "\n".join(part if part.endswith("\n") else part + "\n" for part in parts),
                   about)


def _file_text(report: Report, root: Path, relative: str, name: str) -> str:
    try:
        return (root / relative).read_bytes().decode("utf-8", errors="surrogateescape")
    except FileNotFoundError:
        report.absent.append(f"/{relative}")
        return "[not present on this server]\n"
    except OSError as error:
        report.problems.append(f"{name}: cannot read /{relative}: {error.strerror}")
        return f"[cannot read: {error.strerror}]\n"


def _copy_files(report: Report, root: Path, pattern: str, folder: str, about: str,
                read: Callable[[Path], bytes]) -> None:
    found = files.find(root, pattern)
    if not found:
        report.absent.append(f"/{pattern}")
    for path in found:
        shown = _shown(path, root)
        if masking.withheld(path.name):
            report.withheld.append(shown)
            continue
        try:
            data = read(path)
        except (OSError, EOFError) as error:  # EOFError: a truncated .gz
            report.problems.append(f"{folder}{shown}: cannot read: "
                                   f"{getattr(error, 'strerror', None) or error}")
            continue
        report.add(f"{folder}{shown}", data.decode("utf-8", errors="surrogateescape"),
                   about.format(shown))


def _shown(path: Path, root: Path) -> str:
    """path as it is on the server: /etc/..., whatever the root."""
    return "/" + str(path.relative_to(root))


def _note(report: Report, name: str, outcome: Outcome) -> None:
    if outcome.problem:
        report.problems.append(f"{name}: {outcome.command}: {outcome.problem}")


def _os_name(root: Path) -> str:
    try:
        text = (root / "etc" / "os-release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unknown (no /etc/os-release)"
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key == "PRETTY_NAME":
            return value.strip().strip('"')
    return "unknown (no PRETTY_NAME in /etc/os-release)"
