"""bin/clweb_serv as a real process: its name, its child, and how it stops and fails."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from jcclweb_tree import INSTALL, VERSION

SERV = INSTALL / "bin" / "clweb_serv"


def comm(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()


def alive(pid: int) -> bool:
    """Running, as `ps` would show it: a zombie waiting for its new parent counts as gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            pass
    return found


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"{what} (waited {timeout} s)")


@pytest.fixture
def serve(home):
    """Start bin/clweb_serv on home (--home); returns (process, child pid) once it serves."""
    started = []

    def start():
        process = subprocess.Popen(
            [str(SERV), "--home", str(home.root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        started.append(process)
        wait_for(
            lambda: (
                home.log_file.exists()
                and "listening on https://127.0.0.1:" in home.log_file.read_text()
                or process.poll() is not None
            ),
            5,
            "clweb_serv did not start",
        )
        assert process.poll() is None, process.communicate()[1]
        child = wait_for(lambda: children(process.pid), 3, "no housekeeper child")
        return process, child[0]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_parent_and_child_are_both_named_clweb_serv(serve):
    process, child = serve()
    assert comm(process.pid) == "clweb_serv"
    assert comm(child) == "clweb_serv"
    assert children(process.pid) == [child]  # `ps -ef | grep clweb_serv` shows two


def test_the_child_exits_when_the_parent_is_killed(serve):
    """The guide's failover check: kill -9 the clweb_serv whose parent is PID 1."""
    process, child = serve()
    process.send_signal(signal.SIGKILL)
    process.wait()
    started = time.monotonic()
    wait_for(lambda: not alive(child), 2, "the housekeeper outlived its parent")
    assert time.monotonic() - started < 2


def test_sigterm_stops_quickly_and_cleanly(serve, home):
    process, child = serve()
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=2) == 0
    assert time.monotonic() - started < 2
    assert not alive(child)
    log = home.log_file.read_text()
    assert f"started: CL/Web {VERSION}" in log and log.rstrip().endswith("stopped")


def run_serv(home, timeout=5) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SERV)], env={**os.environ, "CLWEB_HOME": str(home.root)}, capture_output=True, text=True, timeout=timeout
    )


def test_a_bind_address_not_on_this_node_fails_naming_it(home):
    home.conf_file.write_text(home.conf_file.read_text().replace("127.0.0.1", "192.0.2.1").replace('"0"', '"8443"'))
    result = run_serv(home)
    assert result.returncode == 1
    assert "cannot bind 192.0.2.1:8443: Cannot assign requested address" in result.stderr
    assert "start failed: cannot bind 192.0.2.1:8443" in home.log_file.read_text()


def test_a_config_error_fails_with_file_line_and_key(home):
    home.conf_file.write_text('# $bind = "0.0.0.0"\n$port = "https"\n')
    result = run_serv(home)
    assert result.returncode == 1
    assert f'{home.conf_file}:2: $port: "https" is not a port number' in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unmounted_shared_disk_fails_with_a_hint(home, tmp_path):
    os.rename(home.config, tmp_path / "shared-config")
    home.config.symlink_to(tmp_path / "unmounted" / "config")
    result = run_serv(home)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"clweb_serv: config folder {home.config} links to"
        f" {tmp_path}/unmounted/config, which does not exist"
        " (is the shared disk mounted?)"
    )


def test_version_option(home):
    result = subprocess.run(
        [str(SERV), "--home", str(home.root), "--version"], capture_output=True, text=True, timeout=5
    )
    assert (result.returncode, result.stdout) == (0, f"CL/Web {VERSION}\n")
