"""A server as the steps see it: commands, files, services over the Transport its driver
hands it, every command recorded.

The driver chooses the way in (docker exec into a container of the Docker lab, ssh to an
inventory's server, docker exec on a platform server for a virtual one); the Server only asks
its Transport. Everything a step does to a server goes that way: commands, reading and
writing files, asking whether it is alive, the end of its journal, a reboot. Nothing reaches
around it to an engine.

testinfra's modules (host.service, host.package, host.file...) run their commands through the
Server's own testinfra backend, which records each: the report shows exactly what was run on
which server, not just what a step function called.
"""

from __future__ import annotations

import base64
import shlex
import subprocess
import time

from testinfra.backend.base import BaseBackend, CommandResult
from testinfra.host import Host

from oat.drivers.base import CommandLog, Transport, Unreachable
from oat.errors import LabError, one_line
from oat.model.topology import Server as Spec
from oat.wait import wait_until

CHUNK = 48 * 1024  # bytes of a file per command when writing it (well under any ARG_MAX)
BOOT_STAMP = "cut -d' ' -f22 /proc/1/stat"  # PID 1's start time: it changes with every boot


class CommandFailed(AssertionError):
    """A documented command that exited non-zero where the procedure expects success."""


class _Recorded(BaseBackend):
    """testinfra's view of one Server: its modules run their commands here, recorded."""

    NAME = "oat"

    def __init__(self, server: Server):
        self._server = server
        super().__init__(server.name)

    def run(self, command: str, *args: str, **kwargs) -> CommandResult:
        return self._server._recorded(self.get_command(command, *args))


class Server:
    def __init__(self, spec: Spec, transport: Transport, recorder: CommandLog, container: str = ""):
        """`transport`: the way in its driver hands it. `container`: the engine's name of the
        server when the Docker lab made it (shown to the operator, never used to reach it)."""
        self.spec = spec
        self.name = spec.name
        self.container = container
        self.transport = transport
        self._recorder = recorder
        self._backend = _Recorded(self)
        self.host = Host(self._backend)  # testinfra's modules, over the recorded backend
        self._backend.set_host(self.host)

    def __repr__(self) -> str:
        return f"<Server {self.name} ({self.target})>"

    @property
    def address(self) -> str:
        return self.spec.address

    @property
    def target(self) -> str:
        """How the server is reached, as the evidence names it (docker://…, ssh://…)."""
        return self.transport.target

    def raw(self, command: str, *args: str) -> CommandResult:
        """Run a command (args are shell-quoted into it) unrecorded: for liveness, boot polls
        and transfers (recorded in their own words), and for the provisioners' own checks."""
        line = self._backend.quote(command, *args)
        done = self.transport.run(line)
        return self._backend.result(done.rc, self._backend.encode(line), done.stdout, done.stderr)

    def _recorded(self, command: str) -> CommandResult:
        started = time.monotonic()
        try:
            result = self.raw(command)
        except Exception as exc:
            self._record(command, None, "", _failure(exc), time.monotonic() - started)
            self.check_alive()
            raise
        self._record(command, result.rc, _text(result, "stdout"), _text(result, "stderr"), time.monotonic() - started)
        if result.rc != 0:
            self.check_alive()
        return result

    def _record(self, command: str, exit_code, stdout: str, stderr: str, duration: float) -> None:
        self._recorder.record(self.name, command, exit_code, stdout, stderr, duration, via=self.target)

    def run(self, command: str, *args: str):
        """Run a command (args are shell-quoted into it) and return testinfra's result."""
        return self.host.run(command, *args)

    def check(self, command: str, *args: str) -> str:
        """Run a command that must succeed; return its stdout."""
        result = self.run(command, *args)
        if result.rc != 0:
            shown = self._backend.quote(command, *args)
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise CommandFailed(f"{self.name}: `{shown}` exited {result.rc}" + (f": {detail[-1]}" if detail else ""))
        return result.stdout

    # --- through the transport, in the operator's words ----------------------------------

    def answer(self) -> str | None:
        """None when the server runs commands; else one line saying why it does not."""
        try:
            result = self.raw("true")
        except Exception as exc:  # noqa: BLE001 - a transport's failure is the answer
            return _failure(exc)
        if result.rc == 0:
            return None
        detail = (_text(result, "stderr") or _text(result, "stdout")).strip().splitlines()
        return f"exit {result.rc}" + (f": {detail[-1]}" if detail else "")

    def check_alive(self) -> None:
        """Raise a one-line LabError when the server does not run commands any more."""
        problem = self.answer()
        if problem is not None:
            raise LabError(f"server '{self.name}' does not answer ({self.target}): {problem}")

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's journal, for a failure's context in the report (not
        evidence of the procedure, so not recorded as a command)."""
        return self.raw("journalctl --no-pager -o short-iso -n %s", str(lines)).stdout

    def get_file(self, path: str) -> bytes:
        """Read a file (binary safe), recorded as the file and its content."""
        started = time.monotonic()
        result = self.raw("base64 -w0 %s", path)
        if result.rc != 0:
            self.check_alive()
            raise LabError(f"server '{self.name}': cannot read {path}: {_text(result, 'stderr').strip()}")
        data = base64.b64decode(result.stdout)
        self._record(f"(read file) {shlex.quote(path)}", 0, _shown(data), "", time.monotonic() - started)
        return data

    def put_file(self, path: str, content: str | bytes, mode: int = 0o644) -> None:
        """Write a file whole (a temporary name, then renamed), recorded as the file and its
        (masked) content, never as the encoded commands that carry it: a secret in base64
        would slip past the masking."""
        data = content.encode() if isinstance(content, str) else content
        quoted, partial = shlex.quote(path), shlex.quote(f"{path}.oat-partial")
        started = time.monotonic()
        steps = [f'mkdir -p "$(dirname {quoted})" && : > {partial}']
        steps += [
            f"printf %s {base64.b64encode(data[i : i + CHUNK]).decode()} | base64 -d >> {partial}"
            for i in range(0, len(data), CHUNK)
        ]
        steps.append(f"chmod {mode:o} {partial} && mv -f {partial} {quoted}")
        result = None
        for command in steps:
            result = self.raw(command)
            if result.rc != 0:
                break
        self._record(
            f"(write file) {quoted} mode {mode:o}",
            result.rc,
            _shown(data),
            _text(result, "stderr"),
            time.monotonic() - started,
        )
        if result.rc != 0:
            self.check_alive()
            raise LabError(f"server '{self.name}': could not write {path}: {_text(result, 'stderr').strip()[-200:]}")

    def feed(self, source: str, command: str, shown: str) -> None:
        """Run `command` on the server with the output of the local `source` on its stdin
        (e.g. an image for the platform to load), through the same transport as every
        command; recorded as `shown`."""
        transport = " ".join(shlex.quote(arg) for arg in self.transport.argv(command, stdin=True))
        started = time.monotonic()
        done = subprocess.run(
            f"set -o pipefail; {source} | {transport}",
            shell=True,
            executable="/bin/bash",
            capture_output=True,
            text=True,
        )
        self._record(shown, done.returncode, done.stdout, done.stderr, time.monotonic() - started)
        if done.returncode != 0:
            raise LabError(f"server '{self.name}': `{shown}` exited {done.returncode}: {done.stderr.strip()[-200:]}")

    def wait_booted(self, timeout: float) -> None:
        """Poll until systemd has finished booting; a degraded boot names its failed units."""
        state = {"text": "no answer"}

        def booted() -> bool:
            problem = self.answer()
            if problem is not None:
                state["text"] = f"no answer ({problem})"
                return False
            state["text"] = self.raw("systemctl is-system-running").stdout.strip()
            return state["text"] in ("running", "degraded")

        wait_until(
            booted,
            timeout,
            lambda: f"server '{self.name}' did not finish booting: systemd says '{state['text']}'",
            interval=0.5,
        )
        if state["text"] == "degraded":
            failed = self.raw("systemctl --failed --no-legend --plain").stdout
            raise LabError(f"server '{self.name}' booted degraded; failed units: {failed.strip() or '?'}")

    def reboot(self, timeout: float = 120) -> None:
        """`systemctl reboot`, then a bounded poll until the server has booted again (PID 1
        started anew and systemd running); recorded as one command."""
        started = time.monotonic()
        before = self.raw(BOOT_STAMP).stdout.strip()
        try:
            self.raw("systemctl reboot")
        except Exception:  # noqa: BLE001 - the connection may drop while the server goes down
            pass
        wait_until(
            lambda: self._boot_stamp() not in (None, before),
            timeout,
            f"server '{self.name}' did not come back within its reboot timeout",
            interval=0.5,
        )
        self.wait_booted(timeout)
        self._record(
            "systemctl reboot (then wait until the server has booted again)",
            0,
            "booted",
            "",
            time.monotonic() - started,
        )

    def _boot_stamp(self) -> str | None:
        try:
            result = self.raw(BOOT_STAMP)
        except Exception:  # noqa: BLE001 - down for now: poll on
            return None
        return result.stdout.strip() if result.rc == 0 and result.stdout.strip() else None


def _failure(exc: Exception) -> str:
    """A transport's exception in one line: a way in that failed (ssh exited 255) says its exit
    and the last line of its stderr."""
    return str(exc) if isinstance(exc, Unreachable) else one_line(exc)


def _text(result: CommandResult | None, stream: str) -> str:
    """A command's output as evidence; binary output (a key file) is shown by its size."""
    if result is None:
        return ""
    try:
        return result.stdout if stream == "stdout" else result.stderr
    except UnicodeDecodeError:
        return f"<{len(result.stdout_bytes if stream == 'stdout' else result.stderr_bytes)} bytes of binary output>"


def _shown(data: bytes) -> str:
    """File content as evidence: text as it is (masked later), binary or large by size."""
    if len(data) > 4096 or b"\0" in data:
        return f"<{len(data)} bytes>"
    try:
        return data.decode()
    except UnicodeDecodeError:
        return f"<{len(data)} bytes>"
