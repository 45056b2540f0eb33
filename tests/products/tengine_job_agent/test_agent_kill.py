"""tengine_job_agent_kill: the job's whole process group is signalled, found from the
watchdog's pid or the job's; any other pid is refused."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from agent_fakes import finished, published, wait_for
from tengine_job_agent.errors import AgentError
from tengine_job_agent.kill import job_group, parse_signal

RUN, KILL = "usr/bin/tengine_job_agent_run", "usr/bin/tengine_job_agent_kill"


@pytest.fixture
def running_job(command, agent_env, config_file, make_script, tmp_path, process_groups):
    """A job started by tengine_job_agent_run that has a child of its own (sleep, in the job's
    process group) and waits for it: (the watchdog's pid, the child's pid)."""
    job = make_script("long.sh", f"sleep 30 & echo $! > {tmp_path}/child; wait")
    result = subprocess.run(
        command(RUN, "-c", str(config_file(interval=0.1)), str(job)),
        env=agent_env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    watchdog = int(result.stdout)
    process_groups.append(watchdog)
    child = int(
        wait_for(
            lambda: (tmp_path / "child").exists() and (tmp_path / "child").read_text().strip(), what="the job's child"
        )
    )
    return watchdog, child


def kill(command, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(KILL, *args), capture_output=True, text=True, timeout=30)


def gone(pid: int) -> bool:
    """Ended (a zombie waiting for its parent counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_the_watchdogs_pid_signals_the_jobs_whole_group(running_job, command, tmp_path):
    watchdog, child = running_job
    heartbeat = wait_for(
        lambda: next(
            (e for e in published(tmp_path / "pika.log") if e["event_type_name"] == "job.heartbeat.tengine"), None
        )
    )
    job = heartbeat["properties"]["pid"]
    result = kill(command, str(watchdog))
    assert (result.returncode, result.stdout, result.stderr) == (0, f"sent SIGTERM to process group {job}\n", "")
    assert finished(tmp_path / "pika.log")["properties"]["exit_status"] == 128 + signal.SIGTERM
    assert wait_for(lambda: gone(child), what="the job's child to end")


def test_the_jobs_pid_and_another_signal(running_job, command, tmp_path):
    _watchdog, child = running_job
    heartbeat = wait_for(
        lambda: next(
            (e for e in published(tmp_path / "pika.log") if e["event_type_name"] == "job.heartbeat.tengine"), None
        )
    )
    job = heartbeat["properties"]["pid"]
    result = kill(command, str(job), "--signal", "KILL")
    assert (result.returncode, result.stdout) == (0, f"sent SIGKILL to process group {job}\n")
    assert finished(tmp_path / "pika.log")["properties"]["exit_status"] == 128 + signal.SIGKILL
    assert wait_for(lambda: gone(child), what="the job's child to end")


def test_a_pid_that_is_no_job_is_refused_and_left_alone(command):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        result = kill(command, str(other.pid))
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == (
            f"tengine_job_agent_kill: {other.pid}: not a job of tengine_job_agent (neither a watchdog nor its job)\n"
        )
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_a_pid_that_does_not_exist(command):
    with open("/proc/sys/kernel/pid_max") as pid_max:
        pid = int(pid_max.read()) + 1  # above any pid the kernel hands out
    result = kill(command, str(pid))
    assert (result.returncode, result.stderr) == (1, f"tengine_job_agent_kill: {pid}: no such process\n")


def test_an_unknown_signal_is_a_usage_error(command):
    result = kill(command, "1", "--signal", "BOOM")
    assert result.returncode == 2
    assert "argument --signal: unknown signal 'BOOM'" in result.stderr


@pytest.mark.parametrize(
    "text, number",
    [("TERM", signal.SIGTERM), ("sigkill", signal.SIGKILL), ("HUP", signal.SIGHUP), ("2", signal.SIGINT)],
)
def test_signal_names_and_numbers(text, number):
    assert parse_signal(text) == number


# --- finding the job in /proc (a made-up one) ----------------------------------------------


def process(proc, pid: int, parent: int, state: str = "S", argv: tuple = ("sh",), comm="sh"):
    folder = proc / str(pid)
    folder.mkdir()
    (folder / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (folder / "stat").write_text(f"{pid} ({comm}) {state} {parent} {pid} {pid} 0 -1 4194560\n")


WATCHDOG_ARGV = ("/usr/bin/python3", "/usr/bin/tengine_job_agent_watchdog", "-c", "x.yml", "j.sh")


@pytest.fixture
def proc(tmp_path):
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "self").mkdir()  # not a pid: skipped
    process(proc, 100, 1, argv=WATCHDOG_ARGV, comm="python3")
    process(proc, 101, 100, comm="a) S 7 (b")  # a command name with ') ' in it
    process(proc, 200, 1, argv=WATCHDOG_ARGV, comm="python3")
    process(proc, 201, 200, state="Z")  # its job has ended; not reaped yet
    process(proc, 300, 1)
    return proc


def test_the_group_of_a_watchdog_is_its_jobs_and_a_jobs_is_its_own(proc):
    assert job_group(100, proc) == job_group(101, proc) == 101


@pytest.mark.parametrize(
    "pid, message",
    [
        (200, "200: the job of this watchdog has already ended"),
        (300, "300: not a job of tengine_job_agent (neither a watchdog nor its job)"),
        (400, "400: no such process"),
    ],
)
def test_what_is_not_a_running_job(proc, pid, message):
    with pytest.raises(AgentError) as error:
        job_group(pid, proc)
    assert str(error.value) == message
