"""Running the commands that describe the server: each one limited in time, and a command
that fails (missing, timed out, a non-zero exit) is an answer too, not an exception."""
from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass

TIMEOUT = 10.0  # s per command


@dataclass(frozen=True)
class Outcome:
    command: str  # as a shell would show it
    output: str  # its stdout
    problem: str | None = None  # what went wrong, None when nothing did

    def as_text(self) -> str:
        """The command, what went wrong with it if anything, and its output."""
        failed = f"[failed: {self.problem}]\n" if self.problem else ""
        return f"$ {self.command}\n{failed}{self.output}"


def run(argv: list[str], timeout: float = TIMEOUT) -> Outcome:
    command = shlex.join(argv)
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout, env={**os.environ, "LC_ALL": "C.UTF-8"})
    except FileNotFoundError:
        return Outcome(command, "", f"{argv[0]}: command not found")
    except subprocess.TimeoutExpired as expired:
        return Outcome(command, _text(expired.stdout), f"timed out after {timeout:g} s")
    except OSError as error:
        return Outcome(command, "", f"{argv[0]}: {error.strerror or error}")
    if done.returncode != 0:
        lines = _text(done.stderr).strip().splitlines()
        cause = f": {lines[-1].strip()}" if lines else ""
        return Outcome(command, _text(done.stdout), f"exit status {done.returncode}{cause}")
    return Outcome(command, _text(done.stdout))


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")
