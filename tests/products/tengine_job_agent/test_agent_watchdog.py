"""The watchdog in this process, on real job processes, with the queue in memory: the finished
event and its properties, the output files, heartbeats, signals, and a queue that fails."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import replace

import pytest

from agent_fakes import REFUSED
from tengine_job_agent import cli, publisher, watchdog
from tengine_job_agent.errors import AgentError
from tengine_job_agent.logs import RUN_LOG, open_log
from tengine_job_agent.publisher import Publisher

MM = {
    "MM_SERVER_NAME": "job1",
    "MM_ROOT_JOBNET_ID": "42",
    "MM_TARGET_JOBNET_ID": "jn_hello",
    "MM_ACTUAL_JOB_ID": "42/j1",
}


@pytest.fixture
def watch(config, queue, monkeypatch):
    """Run a script under a Watchdog as the core would start it: (its exit code, the log)."""
    monkeypatch.setattr(publisher, "RETRY_PAUSE", 0.01)

    def run(script, *args, environ=MM, retry_for=0.2):
        log = open_log(config.log_dir, RUN_LOG, watchdog.PROGRAM)
        sender = Publisher(config.queue, config.heartbeat_interval, retry_for, queue.connect)
        code = watchdog.Watchdog(config, sender, log, environ).run(str(script), list(args))
        for handler in log.handlers:
            handler.flush()
        return code, (config.log_dir / RUN_LOG).read_text()

    return run


def finished_properties(queue) -> dict:
    events = [e for e in queue.events if e["event_type_name"] == "finished.process.job.tengine"]
    assert len(events) == 1, queue.types()
    return events[0]["properties"]


def test_the_finished_event_reports_the_job(watch, queue, make_script, log_dir):
    job = make_script("hello.sh", 'echo "hello $1"; echo oops >&2; exit 3')
    code, log = watch(job, "tengine world")
    assert code == 0
    properties = finished_properties(queue)
    stem = log_dir / f"42_j1-{os.getpid()}"
    assert properties == {
        "pid": properties["pid"],
        "exit_status": 3,
        "command": f"{job} 'tengine world'",
        "stdout_log": f"{stem}.stdout",
        "stderr_log": f"{stem}.stderr",
        **MM,
    }
    assert isinstance(properties["pid"], int) and properties["pid"] != os.getpid()
    assert open(f"{stem}.stdout").read() == "hello tengine world\n"
    assert open(f"{stem}.stderr").read() == "oops\n"
    source = queue.events[-1]["source_name"]
    assert source.endswith(f"/{os.getpid()}/tengine_job_agent_watchdog")
    assert f"job 42/j1: pid {properties['pid']} started: {job} 'tengine world'" in log
    assert f"job 42/j1: pid {properties['pid']} exited with status 3" in log
    assert f"job 42/j1: fired finished.process.job.tengine {queue.events[-1]['key']}" in log
    assert queue.closed == 1


def test_a_job_started_by_hand_is_named_after_its_script(watch, queue, make_script, log_dir):
    job = make_script("by_hand.sh", "exit 0")
    assert watch(job, environ={})[0] == 0
    properties = finished_properties(queue)
    assert properties["stdout_log"] == f"{log_dir}/by_hand.sh-{os.getpid()}.stdout"
    assert {key: properties[key] for key in MM} == dict.fromkeys(MM)  # null: not set


def test_heartbeats_every_interval_while_the_job_runs(watch, queue, make_script):
    code, _log = watch(make_script("slow.sh", "sleep 0.55"))  # the interval is 0.1 s
    assert code == 0
    types = queue.types()
    assert types[-1] == "finished.process.job.tengine"
    heartbeats = [e for e in queue.events if e["event_type_name"] == "job.heartbeat.tengine"]
    assert 3 <= len(heartbeats) <= 6, types
    pid = finished_properties(queue)["pid"]
    for heartbeat in heartbeats:
        assert heartbeat["level"] == "gr_heartbeat"
        assert heartbeat["properties"] == {"pid": pid, **MM}


def test_the_job_runs_in_a_session_and_process_group_of_its_own(watch, make_script, tmp_path):
    job = make_script("ids.sh", f"ps -o sid=,pgid= -p $$ > {tmp_path}/ids")
    watch(job)
    sid, pgid = (int(word) for word in (tmp_path / "ids").read_text().split())
    assert sid == pgid != os.getpgid(0)


def test_a_job_killed_by_a_signal_reports_128_plus_its_number(watch, queue, make_script):
    watch(make_script("killed.sh", "kill -TERM $$"))
    assert finished_properties(queue)["exit_status"] == 128 + signal.SIGTERM


def test_a_signal_to_the_watchdog_is_passed_to_the_job(watch, queue, make_script):
    job = make_script("forwarded.sh", f"kill -HUP {os.getpid()}; sleep 5")
    watch(job)  # the "watchdog" here is this process: it passes SIGHUP on to the job's group
    assert finished_properties(queue)["exit_status"] == 128 + signal.SIGHUP


def test_a_signal_before_the_job_has_started_is_held_for_it(make_script):
    forwarder = watchdog._Forwarder()  # as the watchdog does before starting the job
    os.kill(os.getpid(), signal.SIGHUP)  # handled, not fatal: this process goes on
    assert forwarder.held == [signal.SIGHUP]
    job = subprocess.Popen([make_script("waits.sh", "sleep 5")], start_new_session=True)
    forwarder.started(job.pid)
    assert job.wait(timeout=5) == -signal.SIGHUP and forwarder.held == []


@pytest.mark.parametrize(
    "body, mode, status",
    [
        ("#!/nonexistent/interpreter\n", 0o755, 127),
        ("#!/bin/sh\nexit 0\n", 0o644, 126),
    ],
)
def test_a_script_that_cannot_start_ends_as_the_shell_says(watch, queue, tmp_path, body, mode, status):
    job = tmp_path / "broken.sh"
    job.write_text(body)
    job.chmod(mode)
    code, log = watch(job)
    properties = finished_properties(queue)
    assert (code, properties["exit_status"], properties["pid"]) == (0, status, None)
    assert "cannot start" in open(properties["stderr_log"]).read()
    assert f"ERROR job 42/j1: cannot start {job}" in log


def test_an_unreachable_queue_starts_no_job_and_fails(watch, queue, make_script, tmp_path):
    queue.refuse = REFUSED
    code, log = watch(make_script("never.sh", f"touch {tmp_path}/ran"))
    assert code == 1 and not (tmp_path / "ran").exists()
    assert queue.connections >= 2  # retried
    assert ("ERROR job 42/j1 not started: queue 127.0.0.1:5672: connection refused (retried for 0.2 s)") in log


def test_a_finished_event_that_cannot_be_sent_is_logged_as_lost(watch, queue, make_script):
    queue.lose = {"finished.process.job.tengine"}
    code, log = watch(make_script("lost.sh", "exit 4"))
    assert code == 1
    assert (
        "ERROR job 42/j1: finished.process.job.tengine (exit status 4) is lost:"
        " queue 127.0.0.1:5672: connection lost (retried for 0.2 s)"
    ) in log


def test_a_heartbeat_that_cannot_be_sent_is_skipped(watch, queue, make_script):
    queue.lose = {"job.heartbeat.tengine"}
    code, log = watch(make_script("slow.sh", "sleep 0.3"))
    assert code == 0 and queue.types() == ["finished.process.job.tengine"]
    assert "WARNING job 42/j1: job.heartbeat.tengine not sent: queue 127.0.0.1:5672" in log


def test_output_files_it_cannot_write_are_an_error_naming_the_file(config, queue, make_script, tmp_path):
    missing = tmp_path / "missing"
    log = open_log(config.log_dir, RUN_LOG, watchdog.PROGRAM)
    sender = Publisher(config.queue, config.heartbeat_interval, 0, queue.connect)
    guard = watchdog.Watchdog(replace(config, log_dir=missing), sender, log, MM)
    with pytest.raises(AgentError) as error:
        guard.run(str(make_script("x.sh", "exit 0")), [])
    assert str(error.value) == (f"cannot write {missing}/42_j1-{os.getpid()}.stdout: No such file or directory")
    assert queue.closed == 1


def test_the_command_logs_an_unreachable_queue_and_exits_1(config_file, queue, make_script, log_dir, monkeypatch):
    monkeypatch.delenv("MM_ACTUAL_JOB_ID", raising=False)
    monkeypatch.setattr(watchdog, "RETRY_FOR", 0.1)
    monkeypatch.setattr(publisher, "RETRY_PAUSE", 0.01)
    queue.refuse = REFUSED
    argv = ["-c", str(config_file()), str(make_script("never.sh", "exit 0"))]
    assert cli.watchdog(argv, connector=queue.connect) == 1
    assert ("ERROR job never.sh not started: queue 127.0.0.1:5672: connection refused (retried for 0.1 s)") in (
        log_dir / RUN_LOG
    ).read_text()
