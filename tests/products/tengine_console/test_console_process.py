"""The two scripts of the tree as systemd and the operator run them: the server starts,
serves, and stops cleanly on SIGTERM; the passwd script writes the users file."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import requests

from console_tree import LIB, TREE

SBIN = TREE / "usr" / "sbin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_answer(url: str, cert, process) -> requests.Response:
    deadline = time.monotonic() + 10
    while True:
        try:
            return requests.get(url, verify=str(cert), timeout=2)
        except requests.ConnectionError:
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, f"no answer from {url}"
            time.sleep(0.05)


def test_the_server_serves_then_stops_cleanly_on_sigterm(tmp_path, config_file, cert):
    port = free_port()
    config_file.write_text(
        config_file.read_text().replace("port: 443", f"port: {port}").replace("bind: 0.0.0.0", "bind: 127.0.0.1")
    )
    log = tmp_path / "console.log"
    process = subprocess.Popen(
        [
            sys.executable,
            str(SBIN / "tengine_console"),
            "-f",
            str(config_file),
            "--users",
            str(tmp_path / "console_users"),
            "--log",
            str(log),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        response = wait_for_answer(f"https://127.0.0.1:{port}/login", cert[0], process)
        assert response.status_code == 200 and 'id="login"' in response.text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
    lines = log.read_text().splitlines()
    assert f"INFO tengine_console started: https://127.0.0.1:{port}, DB localhost:5432" in lines[0]
    assert any('"GET /login HTTP/1.1" 200' in line for line in lines)
    assert lines[-1].endswith("INFO tengine_console stopped")
    assert process.communicate()[1] == ""
    assert not list(LIB.rglob("__pycache__"))


def test_the_passwd_script_reads_the_password_from_stdin(tmp_path):
    users = tmp_path / "console_users"
    result = subprocess.run(
        [sys.executable, str(SBIN / "tengine_console_passwd"), "--file", str(users), "tengine_admin"],
        input="Op-Pass1\n",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert users.read_text().startswith("tengine_admin:pbkdf2_sha256$600000$")
