"""Running a jobnet: the handlers of `start.jobnet.job.tengine` and
`finished.process.job.tengine` that every core has.

start.jobnet.job.tengine {jobnet: NAME} makes an execution (status running) whose detail
holds each job of the definition, as loaded at that moment:

    {"start_event": "<key>", "jobs": {"j1": {"status": "waiting", "server": "job1",
      "script": "/home/tengine/hello.sh", "depends_on": [], "exit_status": null,
      "started_at": null, "finished_at": null}}}

A job starts (status running) once every job it depends on succeeded: the core logs in to its
server over SSH and runs tengine_job_agent_run (ssh.py). The agent's
finished.process.job.tengine, taken by whichever core, ends the job (success on exit status 0,
else error) and starts the jobs it freed. A job that cannot start is error with a `cause`.
The first error ends the execution (error, error.jobnet.job.tengine; nothing else starts);
all jobs successful end it as success (success.jobnet.job.tengine).

Every change is made under the execution's row lock (store.lock_execution) and written at
once; the event that ends an execution is fired by the one change that ended it."""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from tengine_core import handlers as handlers_module
from tengine_core import ssh
from tengine_core.config import Config
from tengine_core.event import Event, timestamp
from tengine_core.handlers import Fire, Handlers
from tengine_core.store import Execution

START = "start.jobnet.job.tengine"
FINISHED = "finished.process.job.tengine"
ENDED = {"success": "success.jobnet.job.tengine", "error": "error.jobnet.job.tengine"}
WAITING, RUNNING, SUCCESS, ERROR = "waiting", "running", "success", "error"
MAX_STARTS = 16  # SSH logins at once
FINISHED_DETAIL = ("pid", "stdout_log", "stderr_log")  # kept from the agent's event


def now() -> datetime:
    return datetime.now(timezone.utc)


def exit_cause(exit_status: object) -> str | None:
    """None for a process that exited 0, else why it counts as failed."""
    try:
        status = int(exit_status)
    except (TypeError, ValueError):
        return f"{FINISHED} without an exit_status"
    if status < 0:
        return f"killed by signal {-status}"
    return f"exit status {status}" if status else None


def new_execution(name: str, definition: dict | None, start_event: str) -> Execution:
    """The execution a start event makes: its jobs waiting, or an error when the jobnet was
    never loaded."""
    started = now()
    if definition is None:
        return Execution(None, name, ERROR, started, started, {
            "start_event": start_event, "jobs": {},
            "cause": f"jobnet {name} is not loaded (tengined -k load)"})
    jobs = {job["name"]: {"status": WAITING, "server": job["server"], "script": job["script"],
                          "depends_on": list(job.get("depends_on") or []), "exit_status": None,
                          "started_at": None, "finished_at": None}
            for job in definition["jobs"]}
    return Execution(None, name, RUNNING, started, None, {"start_event": start_event,
                                                          "jobs": jobs})


def step(execution: Execution) -> tuple[list[str], str | None]:
    """Move a running execution on: end it when a job failed or all succeeded, else mark the
    jobs whose dependencies all succeeded as running. (the jobs to start, how it ended)"""
    if execution.status != RUNNING:
        return [], None
    jobs = execution.detail["jobs"]
    statuses = {job["status"] for job in jobs.values()}
    if ERROR in statuses or statuses <= {SUCCESS}:
        execution.status = ERROR if ERROR in statuses else SUCCESS
        execution.finished_at = now()
        return [], execution.status
    ready = [name for name, job in jobs.items() if job["status"] == WAITING
             and all(jobs[need]["status"] == SUCCESS for need in job["depends_on"])]
    for name in ready:
        jobs[name].update(status=RUNNING, started_at=timestamp(now()))
    return ready, None


def failures(execution: Execution) -> dict[str, str]:
    """The failed jobs and why."""
    return {name: job.get("cause", "") for name, job in execution.detail["jobs"].items()
            if job["status"] == ERROR}


class Runner:
    """The job handlers of one core: its DB (store.Store), its job servers (config) and the
    way it starts an agent (ssh.start_agent, or a stand-in)."""

    def __init__(self, store, config: Config, log: logging.Logger,
                 start_agent=ssh.start_agent):
        self.store = store
        self.config = config
        self.log = log
        self.start_agent = start_agent

    def register(self, handlers: Handlers) -> None:
        handlers.add(START, self.on_start)
        handlers.add(FINISHED, self.on_finished)

    def on_start(self, event: Event, fire: Fire) -> None:
        name = event.properties.get("jobnet")
        if not isinstance(name, str) or not name:
            self.log.warning("%s event %s names no jobnet (properties jobnet:NAME)",
                             START, event.key)
            return
        new = new_execution(name, self.store.find_jobnet(name), event.key)
        execution, created = self.store.create_execution(new)
        if created:
            self.log.info("jobnet %s execution %d started", name, execution.id)
        else:
            self.log.info("jobnet %s execution %d exists for %s event %s (redelivered)",
                          name, execution.id, START, event.key)
        if execution.status == RUNNING:
            self._move_on(execution.id, event, fire)
        elif created:  # a jobnet that is not loaded
            self._ended(execution, execution.status, event, fire)

    def on_finished(self, event: Event, fire: Fire) -> None:
        properties = event.properties
        root = str(properties.get("MM_ROOT_JOBNET_ID", ""))
        if not root.isdigit():
            return  # not an execution's job (a job test's): stored, nothing to do
        job_name = str(properties.get("MM_ACTUAL_JOB_ID", "")).removeprefix(f"{root}/")
        self._move_on(int(root), event, fire, lambda execution: self._finish(
            execution, job_name, properties, event))

    def _finish(self, execution: Execution, job_name: str, properties: dict,
                event: Event) -> bool:
        """Record a job's end; False when there is nothing to record."""
        job = execution.detail["jobs"].get(job_name)
        if job is None:
            self.log.warning("%s event %s: no job %s in execution %d", FINISHED, event.key,
                             job_name, execution.id)
            return False
        if job["status"] in (SUCCESS, ERROR):
            self.log.info("%s event %s: job %s of execution %d has ended already", FINISHED,
                          event.key, job_name, execution.id)
            return False
        cause = exit_cause(properties.get("exit_status"))
        job.update(status=ERROR if cause else SUCCESS, exit_status=properties.get("exit_status"),
                   finished_at=timestamp(now()),
                   **{key: properties[key] for key in FINISHED_DETAIL if key in properties})
        if cause:
            job["cause"] = cause
        self.log.info("jobnet %s execution %d job %s: %s", execution.jobnet, execution.id,
                      job_name, cause or SUCCESS)
        return True

    def _move_on(self, execution_id: int, event: Event, fire: Fire, change=None) -> None:
        """Apply change (if any) to the execution, then step it: start what is ready, or
        fire the event that says how it ended."""
        with self.store.lock_execution(execution_id) as execution:
            if execution is None:
                self.log.warning("%s event %s: no execution %d", event.event_type_name,
                                 event.key, execution_id)
                return
            if change is not None and not change(execution):
                return
            ready, ended = step(execution)
            starting = {name: dict(execution.detail["jobs"][name]) for name in ready}
        if ended:
            self._ended(execution, ended, event, fire)
        if starting:
            self._start(execution, starting, event, fire)

    def _start(self, execution: Execution, jobs: dict[str, dict], event: Event,
               fire: Fire) -> None:
        """Start jobs (marked running) on their servers at once; record those that failed."""
        with ThreadPoolExecutor(max_workers=min(len(jobs), MAX_STARTS)) as pool:
            attempts = {name: pool.submit(self._start_one, execution, name, job)
                        for name, job in jobs.items()}
        causes = {name: cause for name, cause in
                  ((name, attempt.result()) for name, attempt in attempts.items()) if cause}
        if causes:
            self._move_on(execution.id, event, fire, lambda current: self._not_started(
                current, causes))

    def _start_one(self, execution: Execution, name: str, job: dict) -> str | None:
        """None once the agent runs the job, else why it did not start."""
        server = self.config.job_server(job["server"])
        if server is None:
            return f"job server {job['server']} is not in job_servers"
        command = ssh.agent_command(server.name, str(execution.id), execution.jobnet, name,
                                    job["script"])
        try:
            self.start_agent(server, command)
        except ssh.SshError as error:
            return f"{server.name} {server.address}: {error}"
        self.log.info("jobnet %s execution %d job %s started on %s", execution.jobnet,
                      execution.id, name, server.name)
        return None

    def _not_started(self, execution: Execution, causes: dict[str, str]) -> bool:
        for name, cause in causes.items():
            job = execution.detail["jobs"][name]
            if job["status"] == RUNNING:  # a start that failed cannot have finished
                job.update(status=ERROR, cause=cause, finished_at=timestamp(now()))
                self.log.info("jobnet %s execution %d job %s did not start: %s",
                              execution.jobnet, execution.id, name, cause)
        return True

    def _ended(self, execution: Execution, status: str, event: Event, fire: Fire) -> None:
        properties = {"jobnet": execution.jobnet, "execution_id": execution.id,
                      "caused_by": event.key}
        if status == ERROR:
            properties["errors"] = failures(execution)
            if execution.detail.get("cause"):
                properties["cause"] = execution.detail["cause"]
        self.log.info("jobnet %s execution %d: %s", execution.jobnet, execution.id, status)
        fire(ENDED[status], properties)


def core_handlers(config: Config, store, log: logging.Logger, start_agent=ssh.start_agent
                  ) -> Handlers:
    """Every core's handlers: the connection test's and the jobs'."""
    handlers = handlers_module.builtin()
    Runner(store, config, log, start_agent).register(handlers)
    return handlers
