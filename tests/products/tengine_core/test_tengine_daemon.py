"""`tengined -k start` in this process: stores and handles events until a stop signal, and
ends with status 1 naming the part when the DB or the queue is out of reach or lost."""

from __future__ import annotations

import dataclasses
import os
import signal
from pathlib import Path

import pytest

from tengine_core import daemon, jobnets
from tengine_core.config import JobServer, Scm, Tengined
from tengine_core.errors import ServerError
from tengine_core.event import Event
from tengine_fakes import JN_HELLO, FakeBus, FakeStore, connector


@pytest.fixture(autouse=True)
def restore_signal_handlers():
    saved = {number: signal.getsignal(number) for number in daemon.STOP_SIGNALS}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


class SignalledBus(FakeBus):
    """Delivers what was fired, then the service manager sends a stop signal."""

    def __init__(self, number: int):
        super().__init__()
        self.number = number

    def poll(self, seconds):
        super().poll(seconds)
        os.kill(os.getpid(), self.number)


def log_of(config) -> str:
    return (Path(config.log_common.output) / "tengined.log").read_text()


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_runs_until_a_stop_signal_then_stops_cleanly(config, number):
    store, bus = FakeStore(), SignalledBus(number)
    bus.publish(Event.new("foo", {"test_id": "t1"}))
    assert daemon.start(config, True, connector(store), connector(bus)) == 0
    assert sorted(e.event_type_name for e in store.events.values()) == ["bar", "foo"]
    assert store.closed and bus.closed
    assert list(Path(config.process.pid_dir).iterdir()) == []  # the pid file is gone
    log = log_of(config)
    assert (
        f"tengined[{os.getpid()}] INFO tengined started (pid {os.getpid()}): consuming"
        " tengine_event_queue from 127.0.0.1:5672, storing in 127.0.0.1:5432" in log
    )
    assert log.splitlines()[-1].endswith("INFO tengined stopped")


def test_the_pid_file_is_there_while_it_runs(config):
    seen = []

    class Bus(FakeBus):
        def poll(self, seconds):
            seen.extend(p.name for p in Path(config.process.pid_dir).iterdir())
            os.kill(os.getpid(), signal.SIGTERM)

    daemon.start(config, True, connector(FakeStore()), connector(Bus()))
    assert seen == [f"tengined.{os.getpid()}.pid"]


def test_a_db_out_of_reach_at_startup(config, capsys):
    down = ServerError("db", "127.0.0.1:5432", "connection refused")
    assert daemon.start(config, True, connector(down), connector(FakeBus())) == 1
    message = "ERROR cannot connect to db 127.0.0.1:5432: connection refused"
    assert message in capsys.readouterr().err
    assert message in log_of(config)


def test_a_queue_lost_later_ends_the_process_with_status_1(config):
    class Lost(FakeBus):
        def poll(self, seconds):
            raise ServerError("event_queue", "127.0.0.1:5672", "connection lost")

    store = FakeStore()
    assert daemon.start(config, True, connector(store), connector(Lost())) == 1
    log = log_of(config)
    assert "ERROR lost connection to event_queue 127.0.0.1:5672: connection lost" in log
    assert log.splitlines()[-1].endswith("INFO tengined stopped") and store.closed


def test_an_idle_db_is_checked_and_its_loss_ends_the_process(config, monkeypatch):
    monkeypatch.setattr(daemon, "PING", 0)
    store = FakeStore()

    def gone():
        raise ServerError("db", "127.0.0.1:5432", "terminating connection due to administrator command")

    store.ping = gone
    assert daemon.start(config, True, connector(store), connector(FakeBus())) == 1
    assert (
        "ERROR lost connection to db 127.0.0.1:5432: terminating connection due to administrator command"
    ) in log_of(config)


def test_the_jobnets_are_loaded_at_startup(config, tmp_path, repository):
    revision = repository.push({"jobnets/jn_hello.yml": JN_HELLO})
    config = dataclasses.replace(
        config, tengined=Tengined(load_path=str(tmp_path / "load"), scm=Scm(url=repository.url))
    )
    store = FakeStore()
    daemon.start(config, True, connector(store), connector(SignalledBus(signal.SIGTERM)))
    assert store.jobnets["jn_hello"][1] == revision
    assert f"INFO loaded 1 jobnets from {repository.url} at {revision}" in log_of(config)


def test_a_bad_definition_stops_the_startup(config, tmp_path, repository):
    repository.push({"jobnets/jn_bad.yml": "jobnet: jn_bad\n"})
    config = dataclasses.replace(
        config, tengined=Tengined(load_path=str(tmp_path / "load"), scm=Scm(url=repository.url))
    )
    assert daemon.start(config, True, connector(FakeStore()), connector(FakeBus())) == 1
    assert f"ERROR {tmp_path}/load/jobnets/jn_bad.yml: missing key caption" in log_of(config)


def test_the_resident_core_runs_jobnets(config, fake_ssh):
    """start.jobnet.job.tengine from the queue: an execution, its job started over SSH."""
    config = dataclasses.replace(config, job_servers=(JobServer(name="job1", host="10.231.10.14"),))
    store, bus = FakeStore(), SignalledBus(signal.SIGTERM)
    store.upsert_jobnets(jobnets.read_all(checkout_of(config, JN_HELLO)), "r1")
    fake_ssh.answer(stdout="4321\n")
    bus.publish(Event.new("start.jobnet.job.tengine", {"jobnet": "jn_hello"}))
    assert daemon.start(config, True, connector(store), connector(bus)) == 0
    [execution] = store.executions.values()
    assert execution.status == "running"
    assert execution.detail["jobs"]["j1"]["status"] == "running"
    assert fake_ssh.argv[-1] == (
        "MM_SERVER_NAME=job1 MM_ROOT_JOBNET_ID=1"
        " MM_TARGET_JOBNET_ID=jn_hello MM_ACTUAL_JOB_ID=1/j1"
        " tengine_job_agent_run /home/tengine/hello.sh"
    )
    assert "INFO job servers: job1 10.231.10.14:22" in log_of(config)


def checkout_of(config, text: str) -> Path:
    root = Path(config.log_common.output).parent / "checkout"
    (root / "jobnets").mkdir(parents=True)
    (root / "jobnets" / "jn_hello.yml").write_text(text, encoding="utf-8")
    return root
