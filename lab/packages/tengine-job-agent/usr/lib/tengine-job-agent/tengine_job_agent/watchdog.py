"""tengine_job_agent_watchdog: runs one job script in a process group of its own, its output
to files in log_dir, fires job.heartbeat.tengine every heartbeat interval while it runs, and
finished.process.job.tengine when it ends.

The queue is reached first (retrying for RETRY_FOR seconds): a job whose result could not be
reported is not started, so rerunning it never runs it twice. A heartbeat that cannot be
sent is logged and skipped; the finished event is retried like the connection, and the
watchdog exits 1 when it is lost (the core then times out and says so)."""
from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
from pathlib import Path
from typing import Mapping

from tengine_job_agent import event, job
from tengine_job_agent.config import Config
from tengine_job_agent.errors import AgentError
from tengine_job_agent.publisher import Publisher

PROGRAM = "tengine_job_agent_watchdog"
RETRY_FOR = 10.0  # s: how long an unreachable queue is retried
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)  # to the watchdog: for the job


class Watchdog:
    def __init__(self, config: Config, publisher: Publisher, log: logging.Logger,
                 environ: Mapping[str, str] = os.environ):
        self.config, self.publisher, self.log = config, publisher, log
        self.environ = environ

    def run(self, script: str, args: list[str]) -> int:
        """Run the job and report it; 0 once its finished event is on the queue, else 1."""
        name = job.name(self.environ, script)
        stem = self.config.log_dir / f"{name.replace('/', '_')}-{os.getpid()}"
        logs = Path(f"{stem}.stdout"), Path(f"{stem}.stderr")
        try:
            self.publisher.open()
        except AgentError as error:
            self.log.error("job %s not started: %s (retried for %g s)", name, error,
                           self.publisher.retry_for)
            return 1
        command = [script, *args]
        try:
            pid, status = self._run_job(name, command, logs)
            return self._report(name, pid, status, command, logs)
        finally:
            self.publisher.close()

    def _report(self, name: str, pid: int | None, status: int, command: list[str],
                logs: tuple[Path, Path]) -> int:
        properties = {"pid": pid, "exit_status": status, "command": shlex.join(command),
                      "stdout_log": str(logs[0]), "stderr_log": str(logs[1]),
                      **job.mm_variables(self.environ)}
        finished = event.new("finished.process.job.tengine", properties, PROGRAM)
        try:
            self.publisher.fire(finished)
        except AgentError as error:
            self.log.error("job %s: finished.process.job.tengine (exit status %d) is lost: %s"
                           " (retried for %g s)", name, status, error, self.publisher.retry_for)
            return 1
        self.log.info("job %s: fired finished.process.job.tengine %s", name, finished["key"])
        return 0

    def _run_job(self, name: str, command: list[str],
                 logs: tuple[Path, Path]) -> tuple[int | None, int]:
        """(pid, exit status) of the job; a script that cannot be started ends like the
        shell's: 127 not found, 126 otherwise, its cause in the stderr log, pid None."""
        forwarder = _Forwarder()  # before the job starts: it may signal us at once
        try:
            with open(logs[0], "wb") as stdout, open(logs[1], "wb") as stderr:
                try:
                    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=stdout,
                                               stderr=stderr, close_fds=True,
                                               start_new_session=True)
                except OSError as error:
                    stderr.write(f"{PROGRAM}: cannot start {command[0]}:"
                                 f" {error.strerror or error}\n".encode())
                    status = 127 if isinstance(error, FileNotFoundError) else 126
                    self.log.error("job %s: cannot start %s: %s", name, command[0],
                                   error.strerror or error)
                    return None, status
        except OSError as error:
            raise AgentError(f"cannot write {error.filename}: {error.strerror}") from None
        self.log.info("job %s: pid %d started: %s (output in %s, %s)", name, process.pid,
                      shlex.join(command), *logs)
        forwarder.started(process.pid)
        status = job.exit_status(self._wait(process, name))
        self.log.info("job %s: pid %d exited with status %d", name, process.pid, status)
        return process.pid, status

    def _wait(self, process: subprocess.Popen, name: str) -> int:
        """The job's return code; a heartbeat every interval until then."""
        properties = {"pid": process.pid, **job.mm_variables(self.environ)}
        while True:
            try:
                return process.wait(timeout=self.config.heartbeat_interval)
            except subprocess.TimeoutExpired:
                heartbeat = event.new("job.heartbeat.tengine", properties, PROGRAM,
                                      level=event.HEARTBEAT)
                try:
                    self.publisher.fire(heartbeat, retry_for=0)
                except AgentError as error:
                    self.log.warning("job %s: job.heartbeat.tengine not sent: %s", name, error)


class _Forwarder:
    """Passes FORWARDED signals on to the job's process group. Installed before the job
    starts, so none can hit the watchdog's default action; one that comes before the job's
    pid is known is held and passed on once it is."""

    def __init__(self):
        self.group: int | None = None
        self.held: list[int] = []
        for number in FORWARDED:
            signal.signal(number, self._received)

    def _received(self, number: int, _frame) -> None:
        if self.group is None:
            self.held.append(number)
        else:
            _signal_group(self.group, number)

    def started(self, group: int) -> None:
        self.group = group
        while self.held:
            _signal_group(group, self.held.pop(0))


def _signal_group(group: int, number: int) -> None:
    try:
        os.killpg(group, number)
    except ProcessLookupError:  # the job has just ended
        pass
