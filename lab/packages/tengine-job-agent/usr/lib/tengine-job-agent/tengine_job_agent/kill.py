"""tengine_job_agent_kill: signal a job's process group, given the pid of its watchdog (what
tengine_job_agent_run printed) or of the job itself (the pid of its events).

Only a watchdog's job is signalled: a pid that is neither a watchdog nor a watchdog's child
is refused, so a mistyped pid cannot take down an unrelated process group."""
from __future__ import annotations

import os
import signal
from pathlib import Path

from tengine_job_agent.errors import AgentError

PROC = Path("/proc")
WATCHDOG = b"tengine_job_agent_watchdog"


def parse_signal(text: str) -> signal.Signals:
    """TERM, SIGTERM, term or 15; ValueError for anything else."""
    try:
        if text.isdigit():
            return signal.Signals(int(text))
        return signal.Signals["SIG" + text.upper().removeprefix("SIG")]
    except (KeyError, ValueError):
        raise ValueError(f"unknown signal '{text}'") from None


def signal_job(pid: int, number: signal.Signals, proc: Path = PROC) -> int:
    """Send number to the process group of pid's job; the group's id."""
    group = job_group(pid, proc)
    try:
        os.killpg(group, number)
    except ProcessLookupError:
        raise AgentError(f"{pid}: the job has already ended") from None
    except PermissionError:
        raise AgentError(f"{pid}: not permitted to signal process group {group}") from None
    return group


def job_group(pid: int, proc: Path = PROC) -> int:
    """The job's process group: the job was started in a session of its own, so its group
    id is its pid."""
    _state, parent = _stat(pid, proc)
    if _is_watchdog(pid, proc):
        children = _children(pid, proc)
        if not children:
            raise AgentError(f"{pid}: the job of this watchdog has already ended")
        return children[0]
    if _is_watchdog(parent, proc):
        return pid
    raise AgentError(f"{pid}: not a job of tengine_job_agent (neither a watchdog nor its job)")


def _is_watchdog(pid: int, proc: Path) -> bool:
    try:
        arguments = (proc / str(pid) / "cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:  # ended, or no process at all (the parent of pid 1 is 0)
        return False
    return any(os.path.basename(argument) == WATCHDOG for argument in arguments)


def _stat(pid: int, proc: Path) -> tuple[str, int]:
    """(state, parent pid) from /proc/PID/stat; the command name may hold spaces and ')'."""
    try:
        fields = (proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        raise AgentError(f"{pid}: no such process") from None
    return fields[0], int(fields[1])


def _children(pid: int, proc: Path) -> list[int]:
    """The live children of pid (a zombie is an ended job the watchdog has not reaped yet)."""
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, parent = _stat(int(entry.name), proc)
        except AgentError:  # ended while we looked
            continue
        if parent == pid and state != "Z":
            found.append(int(entry.name))
    return sorted(found)
