"""A server as the steps see it: a testinfra host of any backend, whose every command is
recorded.

The backend is chosen by URL, as testinfra does: `docker://CONTAINER` for a server of the
Docker lab, `ssh://ALIAS` for one of an inventory (servers you already have), a nested
backend for a virtual server inside another server. Everything a step does to a server goes
through that backend: commands, reading and writing files, asking whether it is alive, the
end of its journal, a reboot. Nothing reaches around it to an engine.

testinfra's modules (host.service, host.package, host.file...) all run their commands
through the backend, so wrapping the backend's `run` records those too: the report shows
exactly what was run on which server, not just what a step function called.
"""
from __future__ import annotations

import base64
import shlex
import subprocess
import time

from oat.drivers.base import CommandLog
from oat.errors import LabError, one_line
from oat.model.topology import Server as Spec
from oat.wait import wait_until

CHUNK = 48 * 1024  # bytes of a file per command when writing it (well under any ARG_MAX)
BOOT_STAMP = "cut -d' ' -f22 /proc/1/stat"  # PID 1's start time: it changes with every boot


class CommandFailed(AssertionError):
    """A documented command that exited non-zero where the procedure expects success."""


class Server:
    def __init__(self, spec: Spec, host, recorder: CommandLog, container: str = ""):
        """`host`: a testinfra host of any backend. `container`: the engine's name of the
        server when the Docker lab made it (shown to the operator, never used to reach it)."""
        self.spec = spec
        self.name = spec.name
        self.container = container
        self.host = host
        self._recorder = recorder
        # The backend's run, unrecorded: for liveness, boot polls and transfers (recorded in
        # their own words), and for the provisioners' own checks.
        self.raw = host.backend.run
        self._wrap_backend()

    def __repr__(self) -> str:
        return f"<Server {self.name} ({self.target})>"

    @property
    def address(self) -> str:
        return self.spec.address

    @property
    def target(self) -> str:
        """How the server is reached, as the evidence names it (docker://…, ssh://…)."""
        backend = self.host.backend
        return f"{backend.NAME}://{getattr(backend, 'hostname', '') or getattr(backend, 'name', '')}"

    def _wrap_backend(self) -> None:
        backend = self.host.backend
        inner = backend.run

        def run(command, *args, **kwargs):
            shown = backend.get_command(command, *args) if args else command
            started = time.monotonic()
            try:
                result = inner(command, *args, **kwargs)
            except Exception as exc:
                self._record(shown, None, "", _failure(exc), time.monotonic() - started)
                self.check_alive()
                raise
            self._record(
                shown, result.rc, _text(result, "stdout"), _text(result, "stderr"),
                time.monotonic() - started,
            )
            if result.rc != 0:
                self.check_alive()
            return result

        backend.run = run

    def _record(self, command: str, exit_code, stdout: str, stderr: str, duration: float) -> None:
        self._recorder.record(self.name, command, exit_code, stdout, stderr, duration, via=self.target)

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

    # --- through the backend, in the operator's words -------------------------------------

    def answer(self) -> str | None:
        """None when the server runs commands; else one line saying why it does not."""
        try:
            result = self.raw("true")
        except Exception as exc:  # noqa: BLE001 - a backend's failure is the answer
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
        self._record(f"(read file) {shlex.quote(path)}", 0, _shown(data), "",
                              time.monotonic() - started)
        return data

    def put_file(self, path: str, content: str | bytes, mode: int = 0o644) -> None:
        """Write a file whole (a temporary name, then renamed), recorded as the file and its
        (masked) content, never as the encoded commands that carry it: a secret in base64
        would slip past the masking."""
        data = content.encode() if isinstance(content, str) else content
        quoted, partial = shlex.quote(path), shlex.quote(f"{path}.oat-partial")
        started = time.monotonic()
        steps = [f"mkdir -p \"$(dirname {quoted})\" && : > {partial}"]
        steps += [f"printf %s {base64.b64encode(data[i:i + CHUNK]).decode()} | base64 -d >> {partial}"
                  for i in range(0, len(data), CHUNK)]
        steps.append(f"chmod {mode:o} {partial} && mv -f {partial} {quoted}")
        result = None
        for command in steps:
            result = self.raw(command)
            if result.rc != 0:
                break
        self._record(f"(write file) {quoted} mode {mode:o}", result.rc, _shown(data),
                              _text(result, "stderr"), time.monotonic() - started)
        if result.rc != 0:
            self.check_alive()
            raise LabError(f"server '{self.name}': could not write {path}: {_text(result, 'stderr').strip()[-200:]}")

    def feed(self, source: str, command: str, shown: str) -> None:
        """Run `command` on the server with the output of the local `source` on its stdin
        (e.g. an image for the platform to load), through the same transport as every
        command; recorded as `shown`."""
        backend = self.host.backend
        remote = backend.get_command(command)
        if backend.NAME == "docker":
            transport = f"docker exec -i {shlex.quote(backend.name)} /bin/sh -c {shlex.quote(remote)}"
        elif backend.NAME == "ssh":
            cmd, args = backend._build_ssh_command(remote)
            transport = " ".join(cmd) % tuple(shlex.quote(a) for a in args)
        else:
            raise LabError(f"server '{self.name}': cannot stream to it over {backend.NAME}://")
        started = time.monotonic()
        done = subprocess.run(f"set -o pipefail; {source} | {transport}", shell=True, executable="/bin/bash",
                              capture_output=True, text=True)
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

        wait_until(booted, timeout, lambda: f"server '{self.name}' did not finish booting: "
                                            f"systemd says '{state['text']}'", interval=0.5)
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
        wait_until(lambda: self._boot_stamp() not in (None, before), timeout,
                   f"server '{self.name}' did not come back within its reboot timeout", interval=0.5)
        self.wait_booted(timeout)
        self._record("systemctl reboot (then wait until the server has booted again)", 0,
                              "booted", "", time.monotonic() - started)

    def _boot_stamp(self) -> str | None:
        try:
            result = self.raw(BOOT_STAMP)
        except Exception:  # noqa: BLE001 - down for now: poll on
            return None
        return result.stdout.strip() if result.rc == 0 and result.stdout.strip() else None


def _failure(exc: Exception) -> str:
    """A backend's exception in one line. testinfra's ssh backend raises RuntimeError with its
    CommandResult (ssh exited 255): its last line of stderr says why, not the result's repr."""
    result = exc.args[0] if exc.args else None
    if hasattr(result, "rc") and hasattr(result, "stderr_bytes"):
        lines = [line.strip() for line in _text(result, "stderr").splitlines() if line.strip()]
        return f"exit {result.rc}" + (f": {lines[-1]}" if lines else "")
    return one_line(exc)


def _text(result, stream: str) -> str:
    """A command's output as evidence; binary output (a key file) is shown by its size."""
    if result is None:
        return ""
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
