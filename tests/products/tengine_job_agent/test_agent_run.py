"""tengine_job_agent_run as the core runs it over SSH: it returns at once with the watchdog's
pid, the detached watchdog runs the job and fires its events (to the stand-in pika)."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from agent_fakes import finished, published, wait_for
from agent_tree import TREE

RUN = "usr/bin/tengine_job_agent_run"
MM = {"MM_SERVER_NAME": "job1", "MM_ROOT_JOBNET_ID": "7", "MM_TARGET_JOBNET_ID": "jn_hello", "MM_ACTUAL_JOB_ID": "7/j1"}


@pytest.fixture
def run_job(command, agent_env, config_file, process_groups):
    """Run tengine_job_agent_run with output captured, as SSH does; the watchdog is killed
    at the end of the test if it is still there."""

    def run(*args: str, interval: float = 0.2, env: dict = MM) -> subprocess.CompletedProcess:
        path = config_file(interval=interval)
        result = subprocess.run(
            command(RUN, "-c", str(path), *args), env={**agent_env, **env}, capture_output=True, text=True, timeout=30
        )
        if result.returncode == 0:
            process_groups.append(int(result.stdout))
        return result

    return run


def test_run_returns_at_once_and_the_watchdog_reports_the_job(run_job, make_script, log_dir, tmp_path):
    job = make_script("hello.sh", 'sleep 2; echo "hello $1"; echo oops >&2; exit 3')
    started = time.monotonic()
    result = run_job(str(job), "-v", "two words")
    assert time.monotonic() - started < 1.9  # the job takes 2 s: the SSH session does not wait for it
    assert result.returncode == 0 and result.stderr == ""
    watchdog = int(result.stdout)
    assert result.stdout == f"{watchdog}\n"
    assert os.getsid(watchdog) == watchdog  # detached: a session of its own
    event = finished(tmp_path / "pika.log")
    stem = f"{log_dir}/7_j1-{watchdog}"
    assert event["properties"] == {
        "pid": event["properties"]["pid"],
        "exit_status": 3,
        "command": f"{job} -v 'two words'",
        "stdout_log": f"{stem}.stdout",
        "stderr_log": f"{stem}.stderr",
        **MM,
    }
    assert event["source_name"].endswith(f"/{watchdog}/tengine_job_agent_watchdog")
    assert open(f"{stem}.stdout").read() == "hello -v\n"
    assert open(f"{stem}.stderr").read() == "oops\n"
    types = [e["event_type_name"] for e in published(tmp_path / "pika.log")]
    assert types[-1] == "finished.process.job.tengine"
    assert 5 <= types.count("job.heartbeat.tengine") <= 10  # 2 s at a 0.2 s interval
    log_file = log_dir / "tengine_job_agent.log"
    log = wait_for(lambda: "fired finished" in log_file.read_text() and log_file.read_text())
    assert f"INFO job 7/j1: watchdog {watchdog} started for {job} -v 'two words'" in log
    assert f"tengine_job_agent_watchdog[{watchdog}] INFO job 7/j1: pid" in log


def test_the_job_test_script_of_the_package(run_job, tmp_path):
    result = run_job(str(TREE / "usr/share/tengine-job-agent/jobtest.sh"))
    event = finished(tmp_path / "pika.log")
    assert event["properties"]["exit_status"] == 0
    assert open(event["properties"]["stdout_log"]).read() == "tengine jobtest\n"
    assert result.returncode == 0


@pytest.mark.parametrize(
    "name, mode, cause",
    [
        ("missing.sh", None, "not found"),
        ("plain.sh", 0o644, "not executable"),
        ("folder", "dir", "not found"),
    ],
)
def test_a_script_that_is_not_an_executable_file(run_job, tmp_path, log_dir, name, mode, cause):
    path = tmp_path / name
    if mode == "dir":
        path.mkdir()
    elif mode is not None:
        path.write_text("#!/bin/sh\n")
        path.chmod(mode)
    result = run_job(str(path))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"tengine_job_agent_run: {path}: {cause}\n"
    assert f"ERROR job 7/j1 not started: {path}: {cause}" in (log_dir / "tengine_job_agent.log").read_text()
    assert not (tmp_path / "pika.log").exists()


def test_a_log_dir_it_cannot_write_fails_before_starting_anything(command, agent_env, tmp_path):
    path = tmp_path / "agent.yml"
    path.write_text(f"connection: {{host: 127.0.0.1}}\nlog_dir: {tmp_path}/missing\n")
    result = subprocess.run(
        command(RUN, "-c", str(path), "/bin/true"), env=agent_env, capture_output=True, text=True, timeout=30
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "tengine_job_agent_run: cannot open log file"
        f" {tmp_path}/missing/tengine_job_agent.log:"
        " No such file or directory\n"
    )
