"""What every driver (the Docker lab, an inventory's servers, the virtual servers) hands the
rest of oat alike, below the Server: the Transport a Server runs over, the command log it
records into, the hardware a fault breaks, a server as the report shows it. The Driver
interface itself is oat.drivers.driver (it hands out Servers)."""

from __future__ import annotations

import subprocess
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Protocol


class CommandLog(Protocol):
    """What a driver needs to record a command: its Servers log every command they run here.
    The run's record (oat.record.evidence.Recorder) is one; whoever makes the driver (the
    plugin, the `oat` command) hands it one, so no driver knows the record."""

    def record(
        self, server: str, command: str, exit_code: int | None, stdout: str, stderr: str, duration: float, via: str = ""
    ) -> object: ...

    def secret(self, value: str) -> None:
        """A value never to be shown (an inventory's password): masked from now on."""


@dataclass
class ServerInfo:
    """A server as the report shows it: the document's name and role, and the real host."""

    name: str  # the document's (the topology's) name for it
    role: str
    image: str  # the lab image it runs, or where it comes from (an inventory)
    addresses: dict[str, str]
    container: str  # how oat reaches it: the container, or the SSH target
    host: str = ""  # the real host: the container's name, or the inventory's host name


# --- the way in to one server --------------------------------------------------------------


@dataclass(frozen=True)
class Completed:
    """A command's end as the server's shell gave it."""

    rc: int
    stdout: bytes
    stderr: bytes


class Unreachable(Exception):
    """The way in failed (ssh exited 255): the command may not have run at all."""

    def __init__(self, target: str, completed: Completed):
        self.completed = completed
        lines = [line.strip() for line in completed.stderr.decode(errors="replace").splitlines() if line.strip()]
        super().__init__(f"exit {completed.rc}" + (f": {lines[-1]}" if lines else ""))
        self.target = target


class Transport(ABC):
    """How a driver reaches one of its servers: a shell command line in, its exit code and
    output back, unrecorded (the Server records). Every transport runs a local client (docker
    exec, ssh) whose command line `argv` gives, so a tool that streams to the server (a copy,
    an image fed on stdin) uses the very same way in as every command."""

    target: str  # how the evidence names the way in: docker://CONTAINER, ssh://ALIAS …

    @abstractmethod
    def argv(self, command: str, stdin: bool = False) -> list[str]:
        """The local command line that runs `command` (a /bin/sh command line) on the server,
        passing this side's stdin through when `stdin`."""

    def run(self, command: str, stdin: bytes | None = None, timeout: float | None = None) -> Completed:
        """Run `command` on the server; raises Unreachable when the way in fails."""
        done = subprocess.run(
            self.argv(command, stdin is not None),
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
        )
        return Completed(done.returncode, done.stdout, done.stderr)


# --- the hardware a driver may let oat break -------------------------------------------------


@dataclass(frozen=True)
class Holdings:
    """What one server holds at one instant (False/empty when it is off)."""

    addresses: frozenset[str]
    mounts: frozenset[str]
    processes: frozenset[str]


OFF = Holdings(frozenset(), frozenset(), frozenset())


class Hardware(ABC):
    """The servers seen from their hardware, as a fault needs them: power, a frozen CPU, a cable
    pulled, a disk turned read-only, and what a server holds, read from outside it (so it can be
    read even while the server is frozen or cut off)."""

    @abstractmethod
    def power_off(self, name: str) -> None: ...

    @abstractmethod
    def power_on(self, name: str) -> None: ...

    @abstractmethod
    def freeze(self, name: str) -> None: ...

    @abstractmethod
    def thaw(self, name: str) -> None: ...

    @abstractmethod
    def cable(self, name: str, network: str, connected: bool) -> None: ...

    @abstractmethod
    def disk_writable(self, name: str, volume: str, binds: dict[str, str], writable: bool) -> None: ...

    @abstractmethod
    def holdings(self, name: str) -> Holdings: ...
