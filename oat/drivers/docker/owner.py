"""Who owns a lab: this process, identified so that a later run can tell it is gone.

A run labels everything it creates with its owner (host, pid and the pid's start time).
A later run on the same host removes what belongs to an owner that is no longer alive:
that is what a killed run (kill -9, a lost CI runner) leaves behind.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return fields[19]


def current() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def is_alive(owner: str, host: str | None = None) -> bool:
    """Whether the process that wrote `owner` still runs. Owners from other hosts count as
    alive: this host cannot tell, so it leaves their labs alone."""
    try:
        owner_host, pid, started = owner.rsplit(":", 2)
        pid_number = int(pid)
    except ValueError:
        return False  # not written by oat's current format: nobody can own it
    if owner_host != (host or socket.gethostname()):
        return True
    return _start_time(pid_number) == started
