"""tengine_support_report as the operator runs it, on this machine (its commands are real),
reading the made-up server's files through --root, writing into tmp_path."""

from __future__ import annotations

import re
import socket
import stat
import subprocess
import sys
import tarfile
from datetime import datetime, UTC

import pytest

from support_fakes import SECRETS, make_server
from support_tree import LIB, TREE
from tengine_support import archive, cli
from tengine_support.collect import Report

SCRIPT = TREE / "usr" / "sbin" / "tengine_support_report"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One report of this machine with the made-up server's files: (the run, the archive)."""
    root = make_server(tmp_path_factory.mktemp("server"))
    out = tmp_path_factory.mktemp("out")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "-o", str(out), "--root", str(root)], capture_output=True, text=True, timeout=120
    )
    return result, out


def members(path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() if m.isfile() else None for m in tar}


def test_it_prints_the_archive_path_and_exits_0(written):
    result, out = written
    assert (result.returncode, result.stderr) == (0, "")
    path = result.stdout.strip()
    host = socket.gethostname()
    name = rf"tengine-support-{re.escape(host)}-\d{{8}}T\d{{6}}Z\.tar\.gz"
    assert re.fullmatch(rf"{re.escape(str(out))}/{name}", path), path
    assert stat.S_IMODE((out / path.rsplit("/", 1)[1]).stat().st_mode) == 0o600
    assert not list(LIB.rglob("__pycache__"))


def test_the_archive_is_one_folder_with_the_contracts_files(written):
    result, _out = written
    path = result.stdout.strip()
    folder = path.rsplit("/", 1)[1].removesuffix(".tar.gz")
    found = members(path)
    assert all(name == folder or name.startswith(folder + "/") for name in found)
    files = {name.removeprefix(folder + "/") for name, data in found.items() if data is not None}
    for name in [
        "index.txt",
        "packages.txt",
        "tengine-packages.txt",
        "os-release.txt",
        "uname.txt",
        "network.txt",
        "ports.txt",
        "processes.txt",
        "services.txt",
        "config/etc/tengine/tengined.yml",
        "config/etc/tengine_job_agent.yml",
        "config/etc/postgresql/15/main/postgresql.conf",
        "config/etc/postgresql/15/main/pg_hba.conf",
        "config/etc/rabbitmq/rabbitmq.conf",
        "logs/var/log/tengine/tengined.log",
        "logs/journal.txt",
    ]:
        assert name in files, name
    assert not [name for name in files if name.endswith((".key", "id_ed25519", "console_users"))]
    for name, data in found.items():
        for secret in SECRETS:
            assert data is None or secret.encode() not in data, (name, secret)


def test_the_index_describes_this_machine_and_every_file(written):
    result, _out = written
    found = members(result.stdout.strip())
    index = next(data for name, data in found.items() if name.endswith("/index.txt")).decode()
    assert f"host  {socket.gethostname()}" in index
    assert "OS    Debian GNU/Linux 12 (bookworm)" in index  # the made-up server's os-release
    for name in found:
        if found[name] is not None:
            assert f"  {name.split('/', 1)[1]} " in index, name
    uname = next(data for name, data in found.items() if name.endswith("/uname.txt")).decode()
    assert (
        uname.startswith("$ uname -a\n")
        and subprocess.run(["uname", "-n"], capture_output=True, text=True).stdout.strip() in uname
    )


def test_a_folder_it_cannot_write_to_is_one_line_and_exit_1(tmp_path, capsys, server, monkeypatch):
    monkeypatch.setattr(cli, "collect", lambda root: Report("x"))
    assert cli.main(["-o", str(tmp_path / "missing"), "--root", str(server)]) == 1
    err = capsys.readouterr().err
    assert re.fullmatch(
        rf"tengine_support_report: cannot write {tmp_path}/missing/"
        r"tengine-support-.+\.tar\.gz: No such file or directory\n",
        err,
    )


def test_an_archive_is_never_overwritten(tmp_path):
    when = datetime(2026, 11, 22, tzinfo=UTC)
    archive.write(tmp_path, "r", {"index.txt": b"one"}, when)
    with pytest.raises(FileExistsError):
        archive.write(tmp_path, "r", {"index.txt": b"two"}, when)
    assert members(tmp_path / "r.tar.gz")["r/index.txt"] == b"one"


def test_the_archive_holds_the_folders_of_its_files(tmp_path):
    when = datetime(2026, 11, 22, tzinfo=UTC)
    archive.write(tmp_path, "r", {"index.txt": b"i", "config/etc/x.yml": b"x"}, when)
    with tarfile.open(tmp_path / "r.tar.gz") as tar:
        entries = {m.name: (m.isdir(), m.mode, m.uname, m.mtime) for m in tar}
    stamp = int(when.timestamp())
    assert entries == {
        "r": (True, 0o755, "root", stamp),
        "r/config": (True, 0o755, "root", stamp),
        "r/config/etc": (True, 0o755, "root", stamp),
        "r/index.txt": (False, 0o644, "root", stamp),
        "r/config/etc/x.yml": (False, 0o644, "root", stamp),
    }
