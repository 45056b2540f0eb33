"""pid files, `tengined -k status` and `-k stop`, with real processes named tengined."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tengine_core import cli, pidfiles
from tengine_core.errors import TengineError

CORE = f"""#!{sys.executable}
import signal, sys, time
# A stubborn core ignores SIGHUP; the others exit on it, as tengined does.
signal.signal(signal.SIGHUP, signal.SIG_IGN if sys.argv[1:] == ["stubborn"] else
              lambda *_: sys.exit(0))
print("ready", flush=True)
time.sleep(30)
"""


@pytest.fixture
def pid_dir(tmp_path) -> Path:
    return tmp_path / "run"


@pytest.fixture
def start_core(tmp_path, pid_dir):
    """start_core(*args) -> the pid of a new process named tengined with its pid file."""
    script = tmp_path / "bin" / "tengined"  # run by its file name: its comm is tengined
    script.parent.mkdir()
    script.write_text(CORE)
    script.chmod(0o755)
    started = []

    def start(*args: str) -> int:
        process = subprocess.Popen([str(script), *args], stdout=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stdout.readline() == "ready\n"
        pidfiles.write(pid_dir, process.pid)
        return process.pid

    yield start
    for process in started:
        process.kill()
        process.wait()


@pytest.fixture
def config_file(tmp_path, pid_dir) -> str:
    path = tmp_path / "tengined.yml"
    path.write_text(f"process: {{pid_dir: {pid_dir}}}\ndb: {{host: db1}}\nevent_queue: {{connection: {{host: mq1}}}}\n")
    return str(path)


def test_only_live_processes_named_tengined_count(start_core, pid_dir):
    pid = start_core()
    pidfiles.write(pid_dir, os.getpid())  # reused by a process that is not tengined
    dead = subprocess.Popen(["true"])
    dead.wait()
    pidfiles.write(pid_dir, dead.pid)
    assert pidfiles.running(pid_dir) == [pid]
    assert (pid_dir / f"tengined.{pid}.pid").read_text() == f"{pid}\n"


def test_status_prints_each_running_core(start_core, config_file, capsys):
    pids = sorted([start_core(), start_core()])
    assert cli.tengined(["-k", "status", "-f", config_file]) == 0
    assert capsys.readouterr().out == "".join(f"{pid} running\n" for pid in pids)


@pytest.mark.parametrize("action, status", [("status", 3), ("stop", 0)])
def test_nothing_running(config_file, capsys, action, status):
    assert cli.tengined(["-k", action, "-f", config_file]) == status
    assert capsys.readouterr().out == "tengined is not running\n"


def test_stop_sends_sighup_and_waits_for_the_exit(start_core, pid_dir, config_file, capsys):
    pid = start_core()
    pidfiles.write(pid_dir, os.getpid())  # must not get a SIGHUP: pytest would die
    assert cli.tengined(["-k", "stop", "-f", config_file]) == 0
    assert capsys.readouterr().out == f"tengined {pid} stopped\n"
    assert not pidfiles.alive(pid)


def test_stop_gives_up_after_the_timeout(start_core, pid_dir):
    stubborn, polite = start_core("stubborn"), start_core()
    assert pidfiles.stop(pid_dir, timeout=0.3) == ([polite], [stubborn])


def test_an_unwritable_pid_dir(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(TengineError, match=f"cannot write pid file {tmp_path}/file/run/tengined.7.pid"):
        pidfiles.write(tmp_path / "file" / "run", 7)
