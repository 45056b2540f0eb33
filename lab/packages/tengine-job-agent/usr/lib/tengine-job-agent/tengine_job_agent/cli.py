"""The agent's commands: tengine_job_agent_run, tengine_job_agent_watchdog,
tengine_job_agent_kill and tengine_job_agentd.

Exit status: 0 done, 1 failed (one line on stderr naming what and where), 2 bad usage or a
bad config (one line naming the file and the key). tengine_job_agentd exits 1 for a bad
config too, the cause on stderr and in its log (the default log_dir's: the config did not
say another)."""
from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import threading
from pathlib import Path

from tengine_job_agent import agentd as resident
from tengine_job_agent import job
from tengine_job_agent import kill as killing
from tengine_job_agent import run as running
from tengine_job_agent import watchdog as watching
from tengine_job_agent.config import DEFAULT_LOG_DIR, SEARCH_PATH, load
from tengine_job_agent.errors import AgentError, ConfigError
from tengine_job_agent.logs import AGENTD_LOG, RUN_LOG, open_log
from tengine_job_agent.publisher import Publisher, connect


def _parser(program: str, description: str, config: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=program, description=description)
    if config:
        parser.add_argument("-c", dest="config", metavar="FILE", help="the config file"
                            f" (default: the first of {', '.join(SEARCH_PATH)})")
    return parser


def _job_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("script", metavar="SCRIPT")
    parser.add_argument("args", metavar="ARGS", nargs=argparse.REMAINDER,
                        help="the script's arguments")


def _fail(program: str, error: AgentError) -> int:
    print(f"{program}: {error}", file=sys.stderr)
    return 2 if isinstance(error, ConfigError) else 1


def _job_command(program: str, description: str, argv: list[str] | None):
    """The arguments, config and log of a job command; or the exit code of a config error."""
    parser = _parser(program, description)
    _job_arguments(parser)
    args = parser.parse_args(argv)
    try:
        config = load(args.config)
        return args, config, open_log(config.log_dir, RUN_LOG, program)
    except AgentError as error:
        return _fail(program, error)


def run(argv: list[str] | None = None) -> int:
    program = "tengine_job_agent_run"
    started = _job_command(program, "Run SCRIPT as a job under a detached watchdog; prints the"
                                    " watchdog's pid.", argv)
    if isinstance(started, int):
        return started
    args, config, log = started
    name, command = job.name(os.environ, args.script), shlex.join([args.script, *args.args])
    try:
        running.check_script(args.script)
    except AgentError as error:
        log.error("job %s not started: %s", name, error)
        return _fail(program, error)
    pid = running.start_watchdog(config.path, args.script, args.args)
    log.info("job %s: watchdog %d started for %s", name, pid, command)
    print(pid)
    return 0


def watchdog(argv: list[str] | None = None, connector=connect) -> int:
    program = watching.PROGRAM
    started = _job_command(program, "Run SCRIPT, fire its heartbeats and its finished event"
                                    " (started by tengine_job_agent_run).", argv)
    if isinstance(started, int):
        return started
    args, config, log = started
    publisher = Publisher(config.queue, config.heartbeat_interval, watching.RETRY_FOR, connector)
    try:
        return watching.Watchdog(config, publisher, log).run(args.script, args.args)
    except AgentError as error:
        log.error("%s", error)
        return _fail(program, error)


def kill(argv: list[str] | None = None) -> int:
    program = "tengine_job_agent_kill"
    parser = _parser(program, "Signal the process group of a job, given the pid of its"
                              " watchdog or of the job.", config=False)
    parser.add_argument("pid", metavar="PID", type=int)
    parser.add_argument("--signal", type=_signal, default=signal.SIGTERM,
                        help="a name (TERM, KILL, INT, HUP, ...) or a number (default: TERM)")
    args = parser.parse_args(argv)
    try:
        group = killing.signal_job(args.pid, args.signal)
    except AgentError as error:
        return _fail(program, error)
    print(f"sent {args.signal.name} to process group {group}")
    return 0


def _signal(text: str) -> signal.Signals:
    try:
        return killing.parse_signal(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def agentd(argv: list[str] | None = None, connector=connect) -> int:
    program = resident.PROGRAM
    parser = _parser(program, "The resident job agent: announces this server on the event"
                              " queue and fires its heartbeats.")
    args = parser.parse_args(argv)
    try:
        config = load(args.config)
        log = open_log(config.log_dir, AGENTD_LOG, program)
    except AgentError as error:
        _log_startup_failure(program, error)
        _fail(program, error)
        return 1
    stopping = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda _number, _frame: stopping.set())
    publisher = Publisher(config.queue, config.heartbeat_interval, 0, connector)
    try:
        return resident.serve(config, publisher, log, stopping)
    except AgentError as error:
        log.error("%s", error)
        return _fail(program, error)


def _log_startup_failure(program: str, error: AgentError) -> None:
    """The cause in the default log too, where the operator looks, when it can be written."""
    try:
        open_log(Path(DEFAULT_LOG_DIR), AGENTD_LOG, program).error("%s", error)
    except AgentError:
        pass
