"""What every driver (the Docker lab, an inventory's servers) hands the rest of oat alike."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class CommandLog(Protocol):
    """What a driver needs to record a command: its Servers log every command they run here.
    The run's record (oat.record.evidence.Recorder) is one; whoever makes the driver (the
    plugin, the `oat` command) hands it one, so no driver knows the record."""

    def record(self, server: str, command: str, exit_code: int | None, stdout: str, stderr: str,
               duration: float, via: str = "") -> object: ...

    def secret(self, value: str) -> None:
        """A value never to be shown (an inventory's password): masked from now on."""


@dataclass
class ServerInfo:
    """A server as the report shows it: the document's name and role, and the real host."""

    name: str                 # the document's (the topology's) name for it
    role: str
    image: str                # the lab image it runs, or where it comes from (an inventory)
    addresses: dict[str, str]
    container: str            # how oat reaches it: the container, or the SSH target
    host: str = ""            # the real host: the container's name, or the inventory's host name
