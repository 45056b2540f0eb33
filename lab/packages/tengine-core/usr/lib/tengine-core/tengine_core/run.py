"""`tengined -k run NAME`: fire start.jobnet.job.tengine {jobnet: NAME} and wait (inprocess.py)
until its execution ends. The command prints `jobnet NAME execution ID: success|error` (and
each failed job's cause on stderr). The execution is found by the start event's key (its
detail's start_event)."""
from __future__ import annotations

import logging
import time

from tengine_core import bus as bus_module
from tengine_core import inprocess, jobs, ssh
from tengine_core import store as store_module
from tengine_core.config import Config
from tengine_core.errors import ServerError, TengineError
from tengine_core.store import Execution

DEADLINE = 60.0  # s


def run(config: Config, name: str, connect_store=store_module.connect,
        connect_bus=bus_module.connect, start_agent=ssh.start_agent,
        deadline: float = DEADLINE) -> Execution:
    """The ended execution; TengineError when the DB or the queue fails or the execution does
    not end within deadline seconds."""
    until = time.monotonic() + deadline
    log = logging.getLogger("tengined.run")
    try:
        with inprocess.core(config, log, connect_store, connect_bus,
                            start_agent=start_agent) as engine:
            start = engine.fire(jobs.START, {"jobnet": name})
            latest: list[Execution | None] = [None]

            def ended() -> Execution | None:
                latest[0] = engine.store.find_execution(start.key)
                return latest[0] if latest[0] and latest[0].status != jobs.RUNNING else None

            execution = inprocess.wait(engine, ended, until)
    except (inprocess.Unreachable, ServerError) as error:
        raise TengineError(f"cannot run jobnet {name}: {error}") from None
    if execution is None:
        if latest[0] is None:
            raise TengineError(f"jobnet {name} did not start within {deadline:g} s: no core"
                               f" handled {jobs.START} event {start.key}")
        raise TengineError(f"jobnet {name} execution {latest[0].id} did not end within"
                           f" {deadline:g} s (still running)")
    return execution


def summary(execution: Execution) -> str:
    return f"jobnet {execution.jobnet} execution {execution.id}: {execution.status}"


def causes(execution: Execution) -> list[str]:
    """Why an execution failed, one line each."""
    found = [f"job {job} on {execution.detail['jobs'][job]['server']}: {cause}"
             for job, cause in jobs.failures(execution).items()]
    if execution.detail.get("cause"):
        found.insert(0, execution.detail["cause"])
    return [f"jobnet {execution.jobnet} execution {execution.id}: {cause}" for cause in found]
