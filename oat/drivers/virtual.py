"""Servers the virtual server platform makes: containers inside the platform server's own
container engine (use case 000 basic course 7-9). The steps see them like any server: a
testinfra host whose commands run through `docker exec SERVER` on the platform server, over
whatever backend reaches the platform (the Docker lab's, or SSH), and are recorded as
evidence; they vanish with the platform server, so nothing outlives the lab."""
from __future__ import annotations

from testinfra.backend.docker import DockerBackend
from testinfra.host import Host

from oat.drivers.base import CommandLog
from oat.errors import LabError
from oat.model.topology import Server as Spec
from oat.servers import Server


class NestedDockerBackend(DockerBackend):
    """testinfra's docker backend, run on the platform server instead of here."""

    NAME = "nested-docker"

    def __init__(self, platform: Server, name: str, *args, **kwargs):
        self.platform = platform
        super().__init__(name, *args, **kwargs)

    def run(self, command: str, *args: str, **kwargs):
        cmd = self.get_command(command, *args)
        out = self.platform.raw("docker exec %s /bin/sh -c %s", self.name, cmd)
        out.command = self.encode(cmd)
        return out


class VirtualServer(Server):
    def __init__(self, spec: Spec, platform: Server, recorder: CommandLog):
        self.platform = platform
        backend = NestedDockerBackend(platform, spec.name)
        host = Host(backend)
        backend.set_host(host)
        super().__init__(spec, host, recorder)

    @property
    def target(self) -> str:
        return f"{self.platform.target} → docker exec {self.name}"

    def check_alive(self) -> None:
        self.platform.check_alive()
        state = self.platform.raw("docker inspect -f '{{.State.Status}}' %s", self.name).stdout.strip()
        if state != "running":
            raise LabError(f"virtual server '{self.name}' on '{self.platform.name}' is not running: {state or 'gone'}")
