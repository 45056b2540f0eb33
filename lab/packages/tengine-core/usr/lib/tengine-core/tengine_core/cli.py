"""The commands: `tengined [-k ACTION] [-f CONFIG] [--foreground] [NAME]` (NAME: the jobnet
of `-k run`) and `tengine_fire [-f CONFIG] EVENT_TYPE [key:value ...]`.

Exit status: 0 done, 1 failed (one line on stderr, or the test start's line on stdout; `-k run`:
the execution's line on stdout, its failed jobs on stderr),
2 bad usage or a bad config (one line naming the file and the key), 3 `status` with no core
running."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tengine_core import bus, connection_test, daemon, jobnets, jobtest, pidfiles, run, store
from tengine_core.config import DEFAULT_PATH, Config, load
from tengine_core.errors import ConfigError, ServerError, TengineError
from tengine_core.event import Event

NOT_RUNNING = "tengined is not running"


def start(config: Config, args) -> int:
    return daemon.start(config, args.foreground)


def stop(config: Config, _args) -> int:
    stopped, left = pidfiles.stop(Path(config.process.pid_dir))
    if not stopped and not left:
        print(NOT_RUNNING)
    for pid in stopped:
        print(f"tengined {pid} stopped")
    if left:
        raise TengineError(f"tengined {', '.join(map(str, left))} did not stop within"
                           f" {pidfiles.STOP_TIMEOUT:g} s")
    return 0


def status(config: Config, _args) -> int:
    pids = pidfiles.running(Path(config.process.pid_dir))
    for pid in pids:
        print(f"{pid} running")
    if not pids:
        print(NOT_RUNNING)
        return 3
    return 0


def load_jobnets(config: Config, args) -> int:
    if not config.tengined.scm.url:
        raise TengineError(f"{args.config}: tengined.scm.url is empty: no SCM to load jobnets from")
    definitions = jobnets.load(config.tengined)
    db = None
    try:
        db = store.connect(config.db)
        db.ensure_schema()
        db.upsert_jobnets(definitions.jobnets, definitions.revision)
    except ServerError as error:
        raise TengineError(f"cannot store the jobnets: {error}") from None
    finally:
        if db is not None:
            db.close()
    print(definitions.summary())
    return 0


def test(config: Config, _args) -> int:
    code, line = connection_test.run(config)
    print(line)
    return code


def job_test(config: Config, args) -> int:
    code, line = jobtest.run(config, args.config)
    print(line)
    return code


def run_jobnet(config: Config, args) -> int:
    execution = run.run(config, args.jobnet)
    print(run.summary(execution))
    for line in run.causes(execution):
        print(f"tengined: {line}", file=sys.stderr)
    return 0 if execution.status == "success" else 1


ACTIONS = {"start": start, "stop": stop, "status": status, "load": load_jobnets,
           "test": test, "jobtest": job_test, "run": run_jobnet}


def tengined(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tengined", description="The Tengine core.")
    parser.add_argument("-k", dest="action", choices=ACTIONS, default="start",
                        help="what to do (default: start)")
    parser.add_argument("-f", dest="config", default=DEFAULT_PATH,
                        help=f"the config file (default: {DEFAULT_PATH})")
    parser.add_argument("--foreground", action="store_true",
                        help="do not detach, even with process.daemon: true")
    parser.add_argument("jobnet", metavar="NAME", nargs="?", help="the jobnet of -k run")
    args = parser.parse_args(argv)
    if (args.action == "run") != (args.jobnet is not None):
        parser.error("-k run needs the jobnet's NAME" if args.action == "run"
                     else f"NAME is for -k run only, not -k {args.action}")
    return _run("tengined", args, ACTIONS[args.action])


def fire(config: Config, args) -> int:
    event = Event.new(args.event_type, args.properties, program="tengine_fire")
    try:
        queue = bus.connect(config.event_queue, program="tengine_fire")
        try:
            queue.declare()
            queue.publish(event)
        finally:
            queue.close()
    except ServerError as error:
        raise TengineError(f"cannot fire {args.event_type}: {error}") from None
    print(event.key)
    return 0


def _property(pair: str) -> tuple[str, str]:
    key, colon, value = pair.partition(":")
    if not colon or not key:
        raise argparse.ArgumentTypeError(f"'{pair}': expected key:value")
    return key, value


def tengine_fire(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tengine_fire",
                                     description="Fire one Tengine event; prints its key.")
    parser.add_argument("-f", dest="config", default=DEFAULT_PATH,
                        help=f"the config file (default: {DEFAULT_PATH})")
    parser.add_argument("event_type", metavar="EVENT_TYPE")
    parser.add_argument("properties", metavar="key:value", nargs="*", type=_property,
                        help="the event's properties")
    args = parser.parse_args(argv)
    args.properties = dict(args.properties)
    return _run("tengine_fire", args, fire)


def _run(program: str, args, action) -> int:
    """Load the config and run action; errors become one line on stderr."""
    try:
        config = load(args.config)
    except ConfigError as error:
        print(f"{program}: {error}", file=sys.stderr)
        return 2
    try:
        return action(config, args)
    except TengineError as error:
        print(f"{program}: {error}", file=sys.stderr)
        return 1
