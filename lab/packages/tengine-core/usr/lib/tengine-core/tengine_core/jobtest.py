"""`tengined -k jobtest` (ジョブテスト起動): can this core start a job on every job server,
and does the agent's result come back over the queue? On each server (all at once) run
`tengine_job_agent_run /usr/share/tengine-job-agent/jobtest.sh` over SSH with the MM_
variables of a job test, then wait (inprocess.py) for each server's
finished.process.job.tengine with exit status 0. One line, within DEADLINE seconds."""
from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from tengine_core import bus as bus_module
from tengine_core import inprocess, jobs, ssh
from tengine_core import store as store_module
from tengine_core.config import Config, JobServer

DEADLINE = 30.0  # s, in total
SCRIPT = "/usr/share/tengine-job-agent/jobtest.sh"
TARGET = "jobtest"  # MM_TARGET_JOBNET_ID; MM_ROOT_JOBNET_ID is jobtest-<uuid>
AGENT_LOG = "/var/log/tengine_job_agent"


def failure(*reasons: object) -> str:
    return inprocess.failure_line("jobtest", *reasons)


def run(config: Config, config_path: str, connect_store=store_module.connect,
        connect_bus=bus_module.connect, start_agent=ssh.start_agent,
        deadline: float = DEADLINE) -> tuple[int, str]:
    """(exit status, the line to print)."""
    if not config.job_servers:
        return 1, failure(f"no job_servers in {config_path}")
    until = time.monotonic() + deadline

    def round_trip(engine) -> list[str]:
        causes = _jobtest(engine, config.job_servers, start_agent, until, deadline)
        return [f"{server.name} {server.address}: {cause}" for server, cause in causes.items()]

    return inprocess.run_check("jobtest", config, round_trip, connect_store, connect_bus,
                                start_agent=start_agent)


def _jobtest(engine, servers: tuple[JobServer, ...], start_agent, until: float,
             deadline: float) -> dict[JobServer, str]:
    """Why each server that failed did; the others passed."""
    root = f"jobtest-{uuid.uuid4()}"
    with ThreadPoolExecutor(max_workers=min(len(servers), jobs.MAX_STARTS)) as pool:
        attempts = {server: pool.submit(
            start_agent, server, ssh.agent_command(server.name, root, TARGET, server.name, SCRIPT),
            timeout=min(ssh.START_TIMEOUT, until - time.monotonic())) for server in servers}
        # The queue is served meanwhile: a fast agent's result is taken as it comes.
        inprocess.wait(engine, lambda: True if all(a.done() for a in attempts.values()) else None,
                       until)
    causes: dict[JobServer, str] = {}
    for server, attempt in attempts.items():
        try:
            attempt.result()
        except ssh.SshError as error:
            causes[server] = str(error)
    started = [server for server in servers if server not in causes]

    found: dict[str, dict] = {}  # server name: the properties of its finished event

    def all_finished() -> bool | None:
        found.update((properties.get("MM_SERVER_NAME"), properties) for name, properties
                     in engine.store.events_with_property("MM_ROOT_JOBNET_ID", root)
                     if name == jobs.FINISHED)
        return True if all(server.name in found for server in started) else None

    inprocess.wait(engine, all_finished, until)
    for server in started:
        properties = found.get(server.name)
        if properties is None:
            causes[server] = (f"agent: no {jobs.FINISHED} within {deadline:g} s"
                              f" (check {AGENT_LOG} on {server.name})")
        elif jobs.exit_cause(properties.get("exit_status")):
            causes[server] = jobs.exit_cause(properties.get("exit_status"))
    return {server: causes[server] for server in servers if server in causes}
