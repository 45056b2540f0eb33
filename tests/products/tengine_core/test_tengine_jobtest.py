"""`tengined -k jobtest` and `tengined -k run NAME`: in-process consumers that wait for the
agents' results (stand-in agents, or the real ssh module with a stand-in ssh)."""

from __future__ import annotations

import dataclasses
import logging
import re
import time

import pytest

from tengine_core import jobs, jobtest, run
from tengine_core.config import JobServer
from tengine_core.errors import ServerError, TengineError
from tengine_core.jobnets import Jobnet
from tengine_fakes import FakeAgent, FakeBus, FakeStore, ResidentBus, connector

SERVERS = (
    JobServer(name="job1", host="10.231.10.14", port=2201),
    JobServer(name="job2", host="10.231.10.15"),
    JobServer(name="job3", host="10.231.10.16"),
)
JN_HELLO = {
    "jobnet": "jn_hello",
    "caption": "c",
    "jobs": [{"name": "j1", "server": "job1", "script": "/home/tengine/hello.sh", "depends_on": []}],
}
DB_DOWN = ServerError("db", "127.0.0.1:5432", "connection refused")


@pytest.fixture
def config(config):
    return dataclasses.replace(config, job_servers=SERVERS[:1])


def test_no_job_servers(config):
    assert jobtest.run(dataclasses.replace(config, job_servers=()), "/etc/tengine/x.yml") == (
        1,
        "Connection jobtest failure: [no job_servers in /etc/tengine/x.yml]",
    )


def test_success_when_every_agent_reports_exit_status_0(config):
    store, bus = FakeStore(), FakeBus()
    agent = FakeAgent(bus)
    config = dataclasses.replace(config, job_servers=SERVERS)
    assert jobtest.run(config, "f", connector(store), connector(bus), agent) == (0, "Connection jobtest success.")
    commands = sorted(agent.commands())
    root = re.match(r"MM_SERVER_NAME=job1 MM_ROOT_JOBNET_ID=(jobtest-[0-9a-f-]{36}) ", commands[0])[1]
    assert commands[0] == (
        f"MM_SERVER_NAME=job1 MM_ROOT_JOBNET_ID={root} MM_TARGET_JOBNET_ID=jobtest"
        f" MM_ACTUAL_JOB_ID={root}/job1 tengine_job_agent_run"
        " /usr/share/tengine-job-agent/jobtest.sh"
    )
    assert len(store.events) == 3 and store.closed and bus.closed
    assert all(timeout <= 10 for _, _, timeout in agent.calls)


def test_each_failing_server_is_named_with_its_address_and_cause(config):
    store, bus = FakeStore(), FakeBus()
    agent = FakeAgent(bus, refuse={"job1": "ssh: permission denied (publickey)"}, exits={jobtest.SCRIPT: 3})
    config = dataclasses.replace(config, job_servers=SERVERS[:2])
    assert jobtest.run(config, "f", connector(store), connector(bus), agent) == (
        1,
        (
            "Connection jobtest failure: [job1 10.231.10.14:2201: ssh: permission denied (publickey);"
            " job2 10.231.10.15:22: exit status 3]"
        ),
    )


def test_an_agent_whose_result_never_comes(config):
    agent = FakeAgent(FakeBus(), hangs=(jobtest.SCRIPT,))
    started = time.monotonic()
    assert jobtest.run(config, "f", connector(FakeStore()), connector(FakeBus()), agent, deadline=0.3) == (
        1,
        (
            "Connection jobtest failure: [job1 10.231.10.14:2201: agent: no"
            " finished.process.job.tengine within 0.3 s (check /var/log/tengine_job_agent on job1)]"
        ),
    )
    assert time.monotonic() - started < 1


def test_a_db_out_of_reach(config):
    assert jobtest.run(config, "f", connector(DB_DOWN), connector(FakeBus()), FakeAgent(None)) == (
        1,
        "Connection jobtest failure: [db 127.0.0.1:5432: connection refused]",
    )


def test_a_resident_core_that_takes_the_result_completes_the_jobtest(config):
    store, ours = FakeStore(), FakeBus(delivers=False)
    resident = ResidentBus(store, jobs.core_handlers(config, store, logging.getLogger("r")))
    assert jobtest.run(config, "f", connector(store), connector(ours), FakeAgent(resident)) == (
        0,
        "Connection jobtest success.",
    )


def test_the_real_ssh_module_with_an_agent_that_is_not_installed(config, fake_ssh):
    fake_ssh.answer(status=127, stderr="bash: line 1: tengine_job_agent_run: command not found\n")
    assert jobtest.run(config, "f", connector(FakeStore()), connector(FakeBus())) == (
        1,
        ("Connection jobtest failure: [job1 10.231.10.14:2201: tengine_job_agent_run: command not found]"),
    )
    assert fake_ssh.argv[-2:-1] == ["tengine@10.231.10.14"]


# --- tengined -k run NAME ------------------------------------------------------------------


def loaded_store() -> FakeStore:
    store = FakeStore()
    store.upsert_jobnets([Jobnet("jn_hello", "c", JN_HELLO, "jobnets/jn_hello.yml")], "r1")
    return store


def test_run_waits_for_the_end_of_the_execution(config):
    store, bus = loaded_store(), FakeBus()
    execution = run.run(config, "jn_hello", connector(store), connector(bus), FakeAgent(bus))
    assert run.summary(execution) == "jobnet jn_hello execution 1: success"
    assert run.causes(execution) == []


def test_run_of_a_failing_jobnet_names_the_job_and_cause(config):
    store, bus = loaded_store(), FakeBus()
    execution = run.run(
        config, "jn_hello", connector(store), connector(bus), FakeAgent(bus, exits={"/home/tengine/hello.sh": 3})
    )
    assert run.summary(execution) == "jobnet jn_hello execution 1: error"
    assert run.causes(execution) == ["jobnet jn_hello execution 1: job j1 on job1: exit status 3"]
    missing = run.run(config, "jn_x", connector(store), connector(bus), FakeAgent(bus))
    assert run.causes(missing) == ["jobnet jn_x execution 2: jobnet jn_x is not loaded (tengined -k load)"]


def test_run_gives_up_after_the_deadline(config):
    store, bus = loaded_store(), FakeBus()
    agent = FakeAgent(bus, hangs=("/home/tengine/hello.sh",))
    with pytest.raises(
        TengineError,
        match=r"^jobnet jn_hello execution 1 did not end within"
        r" 0\.2 s \(still running\)$",
    ):
        run.run(config, "jn_hello", connector(store), connector(bus), agent, deadline=0.2)
    with pytest.raises(
        TengineError,
        match=r"^jobnet jn_hello did not start within 0\.2 s: no"
        r" core handled start\.jobnet\.job\.tengine event ",
    ):
        run.run(config, "jn_hello", connector(store), connector(FakeBus(delivers=False)), agent, deadline=0.2)


def test_run_with_a_db_out_of_reach(config):
    with pytest.raises(
        TengineError,
        match=r"^cannot run jobnet jn_hello: db 127\.0\.0\.1:5432:"
        r" connection refused$",
    ):
        run.run(config, "jn_hello", connector(DB_DOWN), connector(FakeBus()), FakeAgent(None))
