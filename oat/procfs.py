"""The host's processes by PID namespace, read from /proc: what a container's processes are,
seen from outside it (even while it is frozen)."""

from __future__ import annotations

import os


def pids_in(namespace: str) -> list[int]:
    """The host's processes in one PID namespace (the readlink of /proc/PID/ns/pid)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if os.readlink(f"/proc/{entry.name}/ns/pid") == namespace:
                    found.append(int(entry.name))
            except OSError:
                continue  # gone meanwhile
    return found


def processes_in(namespace: str) -> set[str]:
    """The names (comm) of the host's processes in one PID namespace."""
    found = set()
    for pid in pids_in(namespace):
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8") as fh:
                found.add(fh.read().strip())
        except OSError:
            continue
    return found
