"""Servers the virtual server platform makes: containers inside the platform server's own
container engine (use case 000 basic course 7-9). The steps see them like any server: their
commands run through `docker exec SERVER` on the platform server, over whatever transport
reaches the platform (the Docker lab's, or SSH), and are recorded as evidence; they vanish
with the platform server, so nothing outlives the lab."""

from __future__ import annotations

import shlex

from oat.drivers.base import CommandLog, Completed, Transport
from oat.errors import LabError
from oat.model.topology import Server as Spec
from oat.servers import Server


class InPlatform(Transport):
    """`docker exec` on the platform server, over the platform's own transport."""

    def __init__(self, platform: Transport, name: str):
        self.platform = platform
        self.name = name
        self.target = f"{platform.target} → docker exec {name}"

    def _exec(self, command: str, stdin: bool) -> str:
        return f"docker exec {'-i ' if stdin else ''}{shlex.quote(self.name)} /bin/sh -c {shlex.quote(command)}"

    def argv(self, command: str, stdin: bool = False) -> list[str]:
        return self.platform.argv(self._exec(command, stdin), stdin)

    def run(self, command: str, stdin: bytes | None = None, timeout: float | None = None) -> Completed:
        return self.platform.run(self._exec(command, stdin is not None), stdin, timeout)


class VirtualServer(Server):
    def __init__(self, spec: Spec, platform: Server, recorder: CommandLog):
        self.platform = platform
        super().__init__(spec, InPlatform(platform.transport, spec.name), recorder)

    def check_alive(self) -> None:
        self.platform.check_alive()
        state = self.platform.raw("docker inspect -f '{{.State.Status}}' %s", self.name).stdout.strip()
        if state != "running":
            raise LabError(f"virtual server '{self.name}' on '{self.platform.name}' is not running: {state or 'gone'}")
