"""`tengined -k start`: the resident core. Loads the jobnets, connects to the DB and the queue,
consumes events (every core's handlers: the connection test's and the jobs') until SIGTERM
or SIGHUP, then stops cleanly (the current event is finished, the connections closed, the
pid file removed, `tengined stopped` logged).

Startup that fails, and a DB or queue lost later, end the process with status 1 and an ERROR
naming the part and its address (systemd restarts it)."""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from tengine_core import bus as bus_module
from tengine_core import jobnets, jobs, logs, pidfiles
from tengine_core import store as store_module
from tengine_core.config import Config
from tengine_core.engine import Engine
from tengine_core.errors import ServerError, TengineError

POLL = 0.2  # s: how soon a stop signal is noticed while no event arrives
PING = 5.0  # s between checks of an idle DB connection (the queue has heartbeats)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def start(config: Config, foreground: bool, connect_store=store_module.connect,
          connect_bus=bus_module.connect) -> int:
    log = logs.setup(config.log_common)  # a TengineError here reaches stderr: exit 1
    if config.process.daemon and not foreground:
        detach()
    stopping = threading.Event()
    for number in STOP_SIGNALS:
        signal.signal(number, lambda _number, _frame: stopping.set())
    try:
        pid_file = pidfiles.write(Path(config.process.pid_dir), os.getpid())
    except TengineError as error:
        log.error("%s", error)
        return 1
    try:
        return serve(config, log, stopping, connect_store, connect_bus)
    finally:
        pid_file.unlink(missing_ok=True)
        log.info("tengined stopped")


def serve(config: Config, log: logging.Logger, stopping: threading.Event,
          connect_store, connect_bus) -> int:
    store = bus = None
    doing = "cannot connect to"
    try:
        definitions = jobnets.load(config.tengined) if config.tengined.scm.url else None
        store = connect_store(config.db)
        store.ensure_schema()
        if definitions:
            store.upsert_jobnets(definitions.jobnets, definitions.revision)
            log.info("%s", definitions.summary())
        else:
            log.info("no jobnets loaded: tengined.scm.url is empty")
        bus = connect_bus(config.event_queue)
        bus.declare()
        engine = Engine(store, bus, jobs.core_handlers(config, store, log), log)
        engine.consume()
        queue = config.event_queue
        log.info("tengined started (pid %d): consuming %s from %s, storing in %s",
                 os.getpid(), queue.queue.name, queue.connection.address, config.db.address)
        log.info("job servers: %s", ", ".join(f"{server.name} {server.address}" for server
                                              in config.job_servers) or "none")
        doing = "lost connection to"
        next_ping = time.monotonic() + PING
        while not stopping.is_set():
            engine.poll(POLL)
            if time.monotonic() >= next_ping:
                store.ping()
                next_ping = time.monotonic() + PING
        return 0
    except ServerError as error:
        log.error("%s %s", doing, error)
        return 1
    except TengineError as error:
        log.error("%s", error)
        return 1
    finally:
        for part in (bus, store):
            if part is not None:
                part.close()


def detach() -> None:
    """Become a daemon (process.daemon: true): the starting command returns at once, and the
    core goes on without a terminal. Messages from here on are in the log only."""
    if os.fork():
        os._exit(0)
    os.setsid()
    if os.fork():  # never a session leader again: no terminal can become ours
        os._exit(0)
    os.chdir("/")
    sys.stdout.flush()
    sys.stderr.flush()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
