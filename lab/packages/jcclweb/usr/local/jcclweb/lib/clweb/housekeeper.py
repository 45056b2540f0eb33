"""The server's one child process: tidies the config folder while the server runs.

It removes temp files a crashed writer left behind and rotates the log. It must never
outlive the server: when the main process is killed (the guide's failover check,
`kill -9`), the kernel signals it (PR_SET_PDEATHSIG), and it also watches its parent id."""
from __future__ import annotations

import ctypes
import logging
import os
import signal
import time

from clweb.home import Home
from clweb.jsonfile import TMP_SUFFIX

PR_SET_PDEATHSIG = 1
POLL = 0.2  # seconds; the fallback check of the parent, well inside the 1 s promise
SWEEP_EVERY = 60.0
STALE_AFTER = 600.0  # a temp file this old belongs to no writer any more
LOG_LIMIT = 10 << 20


def die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # the getppid() poll still ends the child


def sweep(home: Home, log: logging.Logger, now: float | None = None) -> None:
    now = time.time() if now is None else now
    for folder in (home.users_dir, home.mypage_dir):
        for tmp in folder.glob(f".*{TMP_SUFFIX}"):
            try:
                if now - tmp.stat().st_mtime > STALE_AFTER:
                    tmp.unlink()
                    log.info("housekeeper: removed stale temp file %s", tmp)
            except OSError:
                pass  # gone already, or the disk went away with a failover
    try:
        if home.log_file.stat().st_size > LOG_LIMIT:
            os.replace(home.log_file, home.log_file.with_name(home.log_file.name + ".1"))
            log.info("housekeeper: rotated %s", home.log_file)
    except OSError:
        pass


def run(parent: int, home: Home, log: logging.Logger) -> None:
    """The child's loop; returns only through os._exit."""
    die_with_parent()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    next_sweep = 0.0
    while os.getppid() == parent:  # a changed parent id: the server died before prctl
        if time.monotonic() >= next_sweep:
            sweep(home, log)
            next_sweep = time.monotonic() + SWEEP_EVERY
        time.sleep(POLL)
    os._exit(0)


def spawn(home: Home, log: logging.Logger, close: list) -> int:
    """Fork the housekeeper (it keeps the process name clweb_serv); returns its pid."""
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    try:
        for item in close:  # e.g. the listening socket: only the server may accept
            item.close()
        log.info("housekeeper started (pid %d)", os.getpid())
        run(parent, home, log)
    except BaseException:
        log.exception("housekeeper failed")
    finally:
        os._exit(1)


def stop(pid: int, timeout: float = 1.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if os.waitpid(pid, os.WNOHANG)[0]:
                return
            time.sleep(0.02)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass  # already reaped
