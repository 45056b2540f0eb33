"""Servers the virtual server platform makes: containers inside the platform server's own
container engine (use case 000 basic course 7-9). The steps see them like lab servers: a
testinfra host whose commands run through `docker exec PLATFORM docker exec SERVER` and are
recorded as evidence; they vanish with the platform server, so nothing outlives the lab."""
from __future__ import annotations

import base64
import shlex
import time

from testinfra.backend.docker import DockerBackend
from testinfra.host import Host

from oat.errors import LabError
from oat.servers import LabServer, _shown
from oat.topology import Server


class NestedDockerBackend(DockerBackend):
    """testinfra's docker backend, one engine further in."""

    def __init__(self, platform_container: str, name: str, *args, **kwargs):
        self.platform = platform_container
        super().__init__(name, *args, **kwargs)

    def run(self, command: str, *args: str, **kwargs):
        cmd = self.get_command(command, *args)
        out = self.run_local("docker exec %s docker exec %s /bin/sh -c %s", self.platform, self.name, cmd)
        out.command = self.encode(cmd)
        return out


class VirtualServer(LabServer):
    def __init__(self, spec: Server, platform: LabServer, recorder):
        self.platform = platform
        backend = NestedDockerBackend(platform.container, spec.name)
        host = Host(backend)
        backend.set_host(host)
        # Its container name is its name in the platform's engine.
        super().__init__(spec, spec.name, platform._client, recorder, host=host)

    def check_alive(self) -> None:
        self.platform.check_alive()
        state = self._client.containers.get(self.platform.container).exec_run(
            ["docker", "inspect", "-f", "{{.State.Status}}", self.container]).output.decode().strip()
        if state != "running":
            raise LabError(f"virtual server '{self.name}' on '{self.platform.name}' is not running: {state}")

    def put_file(self, path: str, content: str | bytes, mode: int = 0o644) -> None:
        """Write a file; recorded as the file and its (masked) content, never as the encoded
        command that carries it (a secret in base64 would slip past the masking)."""
        data = content.encode() if isinstance(content, str) else content
        quoted = shlex.quote(path)
        script = (f"mkdir -p \"$(dirname {quoted})\" && echo {base64.b64encode(data).decode()} | base64 -d"
                  f" > {quoted} && chmod {mode:o} {quoted}")
        started = time.monotonic()
        result = self._client.containers.get(self.platform.container).exec_run(
            ["docker", "exec", self.container, "sh", "-c", script])
        self._recorder.record(self.name, f"(write file) {quoted} mode {mode:o}", result.exit_code,
                              _shown(data), "", time.monotonic() - started)
        if result.exit_code != 0:
            raise LabError(f"virtual server '{self.name}': could not write {path}: "
                           f"{result.output.decode(errors='replace').strip()[-200:]}")

    def get_file(self, path: str) -> bytes:
        started = time.monotonic()
        result = self._client.containers.get(self.platform.container).exec_run(
            ["docker", "exec", self.container, "cat", path], demux=True)
        data, error = result.output
        if result.exit_code != 0:
            raise LabError(f"virtual server '{self.name}': cannot read {path}: {(error or b'').decode().strip()}")
        self._recorder.record(self.name, f"(read file) {shlex.quote(path)}", 0, _shown(data or b""), "",
                              time.monotonic() - started)
        return data or b""

    def log_tail(self, lines: int = 40) -> str:
        return self.host.backend.run("journalctl --no-pager -o short-iso -n %s", str(lines)).stdout
