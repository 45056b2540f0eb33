"""A server of the lab as the steps see it: a testinfra host whose every command is recorded.

testinfra's modules (host.service, host.package, host.file...) all run their commands
through the backend, so wrapping the backend's `run` records those too: the report shows
exactly what was run on which server, not just what a step function called.
"""
from __future__ import annotations

import shlex
import time

import docker
import docker.errors
import testinfra

from oat.errors import LabError
from oat.evidence import Recorder
from oat.tarball import read_member, tar_of
from oat.topology import Server


class CommandFailed(AssertionError):
    """A documented command that exited non-zero where the procedure expects success."""


class LabServer:
    def __init__(self, spec: Server, container: str, client: docker.DockerClient, recorder: Recorder,
                 host=None):
        """`host`: a testinfra host of another backend (a server inside a server); by default
        the engine's container of this name."""
        self.spec = spec
        self.name = spec.name
        self.container = container
        self._client = client
        self._recorder = recorder
        self.host = host or testinfra.get_host(f"docker://{container}")
        self._wrap_backend()

    def __repr__(self) -> str:
        return f"<LabServer {self.name} ({self.container})>"

    @property
    def address(self) -> str:
        return self.spec.address

    def _wrap_backend(self) -> None:
        backend = self.host.backend
        inner = backend.run

        def run(command, *args, **kwargs):
            shown = backend.get_command(command, *args) if args else command
            started = time.monotonic()
            try:
                result = inner(command, *args, **kwargs)
            except Exception as exc:
                self._recorder.record(self.name, shown, None, "", str(exc), time.monotonic() - started)
                self.check_alive()
                raise
            self._recorder.record(
                self.name, shown, result.rc, _text(result, "stdout"), _text(result, "stderr"),
                time.monotonic() - started,
            )
            if result.rc != 0:
                self.check_alive()
            return result

        backend.run = run

    def run(self, command: str, *args: str):
        """Run a command (args are shell-quoted into it) and return testinfra's result."""
        return self.host.run(command, *args)

    def check(self, command: str, *args: str) -> str:
        """Run a command that must succeed; return its stdout."""
        result = self.run(command, *args)
        if result.rc != 0:
            shown = self.host.backend.get_command(command, *args) if args else command
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise CommandFailed(
                f"{self.name}: `{shown}` exited {result.rc}"
                + (f": {detail[-1]}" if detail else "")
            )
        return result.stdout

    def check_alive(self) -> None:
        """Raise a one-line LabError when the server's container is gone or stopped.

        testinfra's own error for a dead container is misleading (it falls back to guessing
        the OS), so every failed command asks the engine first.
        """
        try:
            state = self._client.api.inspect_container(self.container)["State"]
        except docker.errors.NotFound:
            raise LabError(f"server '{self.name}' is gone: its container {self.container} no longer exists") from None
        if not state.get("Running"):
            raise LabError(
                f"server '{self.name}' is not running: container {self.container} is "
                f"{state.get('Status')} (exit code {state.get('ExitCode')})"
            )

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's journal, for a failure's context in the report (not
        evidence of the procedure, so not recorded as a command)."""
        result = self._client.containers.get(self.container).exec_run(
            ["journalctl", "--no-pager", "-o", "short-iso", "-n", str(lines)])
        return result.output.decode(errors="replace")

    def get_file(self, path: str) -> bytes:
        """Read a file from the server through the engine (binary safe, recorded)."""
        started = time.monotonic()
        try:
            stream, _ = self._client.api.get_archive(self.container, path)
            data = read_member(stream, path.rsplit("/", 1)[-1])
        except docker.errors.NotFound:
            self.check_alive()
            raise LabError(f"server '{self.name}': {path} does not exist") from None
        self._recorder.record(self.name, f"(read file) {shlex.quote(path)}", 0, _shown(data), "",
                              time.monotonic() - started)
        return data

    def put_file(self, path: str, content: str | bytes, mode: int = 0o644) -> None:
        """Write a file on the server (through the engine, recorded as evidence)."""
        data = content.encode() if isinstance(content, str) else content
        started = time.monotonic()
        ok = self._client.api.put_archive(self.container, "/", tar_of({path: data}, mode))
        self._recorder.record(
            self.name, f"(write file) {shlex.quote(path)} mode {mode:o}", 0 if ok else 1,
            _shown(data),
            "", time.monotonic() - started,
        )
        if not ok:
            raise LabError(f"server '{self.name}': could not write {path}")


def _text(result, stream: str) -> str:
    """A command's output as evidence; binary output (a key file) is shown by its size."""
    try:
        return getattr(result, stream)
    except UnicodeDecodeError:
        return f"<{len(getattr(result, stream + '_bytes'))} bytes of binary output>"


def _shown(data: bytes) -> str:
    """File content as evidence: text as it is (masked later), binary or large by size."""
    if len(data) > 4096 or b"\0" in data:
        return f"<{len(data)} bytes>"
    try:
        return data.decode()
    except UnicodeDecodeError:
        return f"<{len(data)} bytes>"
