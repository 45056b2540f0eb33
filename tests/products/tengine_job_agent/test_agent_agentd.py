"""tengine_job_agentd: started and heartbeat events, its log, systemd's readiness, a clean stop
on SIGTERM, and exit 1 with the cause when the queue cannot be reached or the config is bad."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading

from agent_fakes import REFUSED, published, wait_for
from tengine_job_agent import agentd, cli
from tengine_job_agent.logs import AGENTD_LOG, open_log
from tengine_job_agent.publisher import Publisher

AGENTD = "usr/sbin/tengine_job_agentd"
HOST = socket.gethostname()


def test_it_announces_the_server_then_beats_until_stopped(config, queue, log_dir):
    log = open_log(config.log_dir, AGENTD_LOG, agentd.PROGRAM)
    stopping = threading.Event()
    sender = Publisher(config.queue, config.heartbeat_interval, 0, queue.connect)
    result = []
    serving = threading.Thread(target=lambda: result.append(agentd.serve(config, sender, log, stopping)))
    serving.start()
    wait_for(lambda: queue.types().count("heartbeat.agent.job.tengine") >= 2, what="2 heartbeats")
    stopping.set()
    serving.join(timeout=5)
    assert result == [0] and queue.closed == 1
    started, *beats = queue.events
    assert (started["event_type_name"], started["level"], started["properties"]) == (
        "started.agent.job.tengine",
        "info",
        {"server": HOST},
    )
    assert started["source_name"].endswith("/tengine_job_agentd")
    for beat in beats:
        assert (beat["event_type_name"], beat["level"], beat["properties"]) == (
            "heartbeat.agent.job.tengine",
            "gr_heartbeat",
            {"server": HOST},
        )
    lines = (log_dir / AGENTD_LOG).read_text().splitlines()
    assert lines[0].endswith("INFO tengine_job_agentd started (queue 127.0.0.1:5672)")
    assert lines[-1].endswith("INFO tengine_job_agentd stopped")


def test_an_unreachable_queue_is_on_stderr_and_in_the_log_and_exits_1(config_file, queue, log_dir, capsys):
    queue.refuse = REFUSED
    assert cli.agentd(["-c", str(config_file())], connector=queue.connect) == 1
    assert capsys.readouterr().err == ("tengine_job_agentd: queue 127.0.0.1:5672: connection refused\n")
    log = (log_dir / AGENTD_LOG).read_text()
    assert "ERROR queue 127.0.0.1:5672: connection refused" in log and "started" not in log
    assert queue.connections == 1  # systemd tries again, not the agent


def test_a_bad_config_is_on_stderr_and_in_the_default_log_and_exits_1(tmp_path, log_dir, capsys, monkeypatch):
    monkeypatch.setattr(cli, "DEFAULT_LOG_DIR", str(log_dir))
    path = tmp_path / "agent.yml"
    path.write_text("connection: {host: mq1, port: abc}\n")
    assert cli.agentd(["-c", str(path)]) == 1
    message = f"{path}: connection.port: expected an integer, got 'abc'"
    assert capsys.readouterr().err == f"tengine_job_agentd: {message}\n"
    assert f"ERROR {message}" in (log_dir / AGENTD_LOG).read_text()


def test_ready_is_told_to_systemd_only_under_systemd(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    agentd.notify_ready()  # nothing to tell: no error
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(str(tmp_path / "notify"))
        monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
        agentd.notify_ready()
        assert systemd.recv(64) == b"READY=1"


def test_the_resident_process_is_ready_then_stops_cleanly_on_sigterm(
    command, agent_env, config_file, tmp_path, log_dir
):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(str(tmp_path / "notify"))
        systemd.settimeout(10)
        process = subprocess.Popen(
            command(AGENTD, "-c", str(config_file(interval=0.1))),
            env={**agent_env, "NOTIFY_SOCKET": str(tmp_path / "notify")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert systemd.recv(64) == b"READY=1"
            wait_for(
                lambda: (
                    "heartbeat.agent.job.tengine" in [e["event_type_name"] for e in published(tmp_path / "pika.log")]
                )
            )
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
        finally:
            process.kill()
    assert process.communicate() == ("", "")
    assert published(tmp_path / "pika.log")[0]["event_type_name"] == "started.agent.job.tengine"
    lines = (log_dir / AGENTD_LOG).read_text().splitlines()
    assert f"tengine_job_agentd[{process.pid}] INFO tengine_job_agentd started" in lines[0]
    assert lines[-1].endswith("INFO tengine_job_agentd stopped")


def test_the_resident_process_fails_at_once_when_the_queue_refuses(command, agent_env, config_file):
    result = subprocess.run(
        command(AGENTD, "-c", str(config_file())),
        env={**agent_env, "FAKE_PIKA_REFUSE": "1"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "tengine_job_agentd: queue 127.0.0.1:5672: connection refused\n"
