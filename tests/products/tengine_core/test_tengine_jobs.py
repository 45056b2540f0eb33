"""Running a jobnet in one core: start.jobnet.job.tengine makes an execution, jobs start over
SSH (a stand-in agent) once their dependencies succeeded, finished.process.job.tengine ends
them, and every change is written to executions."""

from __future__ import annotations

import dataclasses
import logging
import shlex

import pytest

from tengine_core import jobs
from tengine_core.config import JobServer
from tengine_core.engine import Engine
from tengine_core.event import Event
from tengine_core.jobnets import Jobnet
from tengine_fakes import FakeAgent, FakeBus, FakeStore

# j1 and j2 at once; j3 after both.
JN_THREE = {
    "jobnet": "jn_three",
    "caption": "三つ",
    "jobs": [
        {"name": "j1", "server": "job1", "script": "/s/one.sh", "depends_on": []},
        {"name": "j2", "server": "job2", "script": "/s/two.sh"},
        {"name": "j3", "server": "job1", "script": "/s/three.sh", "depends_on": ["j1", "j2"]},
    ],
}


@pytest.fixture
def config(config):
    return dataclasses.replace(
        config,
        job_servers=(
            JobServer(name="job1", host="10.231.10.14", port=2201),
            JobServer(name="job2", host="10.231.10.15"),
        ),
    )


class Core:
    """One core in this process: engine, store, bus and the agent it starts jobs with."""

    def __init__(self, config, **agent):
        self.store, self.bus = FakeStore(), FakeBus()
        self.store.upsert_jobnets([Jobnet("jn_three", "三つ", JN_THREE, "jobnets/jn_three.yml")], "r1")
        self.agent = FakeAgent(self.bus, **agent)
        log = logging.getLogger("test.jobs")
        self.engine = Engine(self.store, self.bus, jobs.core_handlers(config, self.store, log, self.agent), log)
        self.engine.consume()

    def run(self, jobnet: str = "jn_three") -> Event:
        start = self.engine.fire(jobs.START, {"jobnet": jobnet})
        self.engine.poll(0)
        return start

    def fired(self, *types: str) -> list[Event]:
        return [e for e in self.bus.published if e.event_type_name in types]

    def execution(self, number: int = 1):
        return self.store.executions[number]


@pytest.fixture
def core(config) -> Core:
    return Core(config)


def test_a_jobnet_runs_its_jobs_in_dependency_order_and_succeeds(core):
    start = core.run()
    execution = core.execution()
    assert (execution.jobnet, execution.status) == ("jn_three", "success")
    assert execution.started_at <= execution.finished_at
    assert execution.detail["start_event"] == start.key
    assert [command.split()[-1] for command in core.agent.commands()][2] == "/s/three.sh"
    assert sorted(core.agent.commands()[:2]) == [
        "MM_SERVER_NAME=job1 MM_ROOT_JOBNET_ID=1 MM_TARGET_JOBNET_ID=jn_three"
        " MM_ACTUAL_JOB_ID=1/j1 tengine_job_agent_run /s/one.sh",
        "MM_SERVER_NAME=job2 MM_ROOT_JOBNET_ID=1 MM_TARGET_JOBNET_ID=jn_three"
        " MM_ACTUAL_JOB_ID=1/j2 tengine_job_agent_run /s/two.sh",
    ]
    j3 = execution.detail["jobs"]["j3"]
    assert {k: j3[k] for k in ("status", "server", "exit_status", "pid")} == {
        "status": "success",
        "server": "job1",
        "exit_status": 0,
        "pid": 4321,
    }
    assert j3["stdout_log"] == "/var/log/tengine_job_agent/1_j3-4321.stdout"
    assert j3["started_at"] <= j3["finished_at"] and j3["finished_at"].endswith("Z")
    [success] = core.fired("success.jobnet.job.tengine", "error.jobnet.job.tengine")
    assert success.event_type_name == "success.jobnet.job.tengine"
    assert {k: success.properties[k] for k in ("jobnet", "execution_id")} == {"jobnet": "jn_three", "execution_id": 1}


def test_every_state_change_is_written(core):
    core.run()
    statuses = [(status, jobs) for _, status, jobs in core.store.writes]
    assert statuses[:2] == [
        ("running", {"j1": "waiting", "j2": "waiting", "j3": "waiting"}),
        ("running", {"j1": "running", "j2": "running", "j3": "waiting"}),
    ]
    assert statuses[-2:] == [
        ("running", {"j1": "success", "j2": "success", "j3": "running"}),
        ("success", {"j1": "success", "j2": "success", "j3": "success"}),
    ]
    assert len(statuses) == 5  # j1 and j2 end one after the other


def test_a_job_that_fails_ends_the_execution_and_nothing_else_starts(config):
    core = Core(config, exits={"/s/one.sh": 3})
    core.run()
    execution = core.execution()
    assert execution.status == "error" and execution.finished_at
    j1, j3 = execution.detail["jobs"]["j1"], execution.detail["jobs"]["j3"]
    assert (j1["status"], j1["exit_status"], j1["cause"]) == ("error", 3, "exit status 3")
    assert j3["status"] == "waiting" and len(core.agent.calls) == 2
    [error] = core.fired("success.jobnet.job.tengine", "error.jobnet.job.tengine")
    assert error.event_type_name == "error.jobnet.job.tengine"
    assert error.properties["errors"] == {"j1": "exit status 3"}


def test_a_job_that_cannot_start_is_an_error_with_its_cause(config):
    core = Core(config, refuse={"job2": "ssh: connection refused"})
    core.run()
    execution = core.execution()
    assert execution.status == "error"
    j2 = execution.detail["jobs"]["j2"]
    assert (j2["status"], j2["cause"]) == ("error", "job2 10.231.10.15:22: ssh: connection refused")
    assert execution.detail["jobs"]["j1"]["status"] == "success"  # it had started already
    assert len(core.fired("error.jobnet.job.tengine")) == 1


def test_a_server_that_is_not_registered(config):
    core = Core(dataclasses.replace(config, job_servers=config.job_servers[:1]))
    core.run()
    j2 = core.execution().detail["jobs"]["j2"]
    assert (j2["status"], j2["cause"]) == ("error", "job server job2 is not in job_servers")


def test_a_jobnet_that_is_not_loaded_is_an_execution_in_error(core):
    core.run("jn_nothing")
    execution = core.execution()
    assert (execution.jobnet, execution.status) == ("jn_nothing", "error")
    assert execution.detail["cause"] == "jobnet jn_nothing is not loaded (tengined -k load)"
    [error] = core.fired("error.jobnet.job.tengine")
    assert error.properties["cause"] == execution.detail["cause"]
    assert not core.agent.calls


def test_a_start_event_without_a_jobnet_is_only_logged(core, caplog):
    core.engine.fire(jobs.START, {})
    core.engine.poll(0)
    assert not core.store.executions
    assert "names no jobnet (properties jobnet:NAME)" in caplog.text


def test_a_redelivered_start_makes_no_second_execution(config):
    core = Core(config, hangs=("/s/one.sh", "/s/two.sh"))
    start = core.run()
    assert core.engine.on_message(start.to_json())
    assert list(core.store.executions) == [1] and len(core.agent.calls) == 2


def test_a_redelivered_finish_changes_nothing(config):
    core = Core(config, exits={"/s/one.sh": 3})
    core.run()
    [finished] = [e for e in core.fired(jobs.FINISHED) if e.properties["MM_ACTUAL_JOB_ID"] == "1/j1"]
    writes = len(core.store.writes)
    assert core.engine.on_message(finished.to_json())
    assert len(core.store.writes) == writes
    assert len(core.fired("error.jobnet.job.tengine")) == 1


def finished_event(**properties) -> Event:
    return Event.new(jobs.FINISHED, {"exit_status": 0, **properties})


def test_finished_events_of_job_tests_and_unknown_executions_are_stored_only(core, caplog):
    for event in [
        finished_event(MM_ROOT_JOBNET_ID="jobtest-1", MM_ACTUAL_JOB_ID="jobtest-1/job1"),
        finished_event(MM_ROOT_JOBNET_ID="9", MM_ACTUAL_JOB_ID="9/j1"),
        finished_event(),
    ]:
        assert core.engine.on_message(event.to_json())
    assert len(core.store.events) == 3 and not core.store.executions
    assert f"{jobs.FINISHED} event" in caplog.text and "no execution 9" in caplog.text


def test_a_finish_for_a_job_the_execution_does_not_have(config, caplog):
    core = Core(config, hangs=("/s/one.sh", "/s/two.sh"))
    core.run()
    core.engine.on_message(finished_event(MM_ROOT_JOBNET_ID="1", MM_ACTUAL_JOB_ID="1/j9").to_json())
    assert "no job j9 in execution 1" in caplog.text
    assert core.execution().status == "running"


@pytest.mark.parametrize(
    "exit_status, cause",
    [
        (0, None),
        ("0", None),
        (3, "exit status 3"),
        (-9, "killed by signal 9"),
        (None, "finished.process.job.tengine without an exit_status"),
    ],
)
def test_exit_causes(exit_status, cause):
    assert jobs.exit_cause(exit_status) == cause


def test_a_job_starts_as_soon_as_its_last_dependency_succeeded(config):
    core = Core(config, hangs=("/s/two.sh",))
    core.run()
    assert core.execution().detail["jobs"]["j3"]["status"] == "waiting"
    [j2_command] = [c for c in core.agent.commands() if c.endswith("/s/two.sh")]
    variables = dict(word.split("=", 1) for word in shlex.split(j2_command)[:4])
    core.bus.publish(finished_event(**variables))
    core.engine.poll(0)
    assert core.execution().detail["jobs"]["j3"]["status"] == "success"
    assert core.execution().status == "success"
