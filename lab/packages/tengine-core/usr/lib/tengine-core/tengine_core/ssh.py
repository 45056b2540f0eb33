"""SSH to the job servers (OpenSSH's client, as the original did): the command line of the
contract, one remote command with a timeout, and ssh's failures as short causes
(`ssh: connection refused`, `ssh: permission denied (publickey)`, ...).

    ssh -i KEY -p PORT -o UserKnownHostsFile=KH -o StrictHostKeyChecking=yes -o BatchMode=yes
        -o ConnectTimeout=5 USER@HOST 'MM_SERVER_NAME=job1 ... tengine_job_agent_run SCRIPT'

The SCM's git uses the same options (scm.ssh_command)."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass

from tengine_core.config import JobServer
from tengine_core.errors import TengineError

CONNECT_TIMEOUT = 5  # s: ssh's ConnectTimeout
# s for a whole start (connect, log in, start the agent). A core starts jobs inside its
# queue consumer's callback, which sends no AMQP heartbeat meanwhile: well below pika's check.
START_TIMEOUT = 10.0
AGENT = "tengine_job_agent_run"
SSH_FAILED = 255  # ssh's own exit status; anything else is the remote command's
COMMAND_NOT_FOUND = 127  # the remote shell's

# ssh's stderr, most telling first: (pattern, cause); \1 is kept where the pattern has it.
SSH_CAUSES = (
    (r"Host key verification failed", "host key verification failed"),
    (r"Permission denied \(([^)]*)\)", r"permission denied (\1)"),
    (r"Could not resolve hostname", "could not resolve host"),
    (r"Connection refused", "connection refused"),
    (r"(?:Connection|Operation) timed out", "connection timed out"),
    (r"No route to host", "no route to host"),
    (r"Network is unreachable", "network is unreachable"),
    (r"Connection reset", "connection reset"),
    (r"Connection closed|closed by remote host", "connection closed by the server"),
)
IDENTITY = re.compile(r'Warning: Identity file (.*) not accessible: (.*?)\.?$'
                      r'|Load key "(.*)": (.*)$')


class SshError(TengineError):
    """A remote command that could not run or failed: str(error) is the short cause."""


def options(ssh_key: str, known_hosts: str, port: int | None = None) -> list[str]:
    """ssh's options of the contract (the key, the port, strict host keys, no prompts)."""
    return ["-i", ssh_key, *(["-p", str(port)] if port is not None else []),
            "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "-o", f"ConnectTimeout={CONNECT_TIMEOUT}"]


def argv(server: JobServer, command: str) -> list[str]:
    return ["ssh", *options(server.ssh_key, server.known_hosts, server.port),
            f"{server.user}@{server.host}", command]


def agent_command(server_name: str, root_id: str, target: str, job: str, script: str) -> str:
    """The remote command that starts a job: the MM_ variables, then the agent with SCRIPT."""
    variables = {"MM_SERVER_NAME": server_name, "MM_ROOT_JOBNET_ID": root_id,
                 "MM_TARGET_JOBNET_ID": target, "MM_ACTUAL_JOB_ID": f"{root_id}/{job}"}
    words = [f"{name}={shlex.quote(value)}" for name, value in variables.items()]
    return " ".join([*words, AGENT, shlex.quote(script)])


@dataclass(frozen=True)
class Result:
    status: int
    stdout: str
    stderr: str


def run(server: JobServer, command: str, timeout: float) -> Result:
    """Run command on server; SshError when ssh cannot, or does not end within timeout s."""
    try:
        done = subprocess.run(argv(server, command), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, errors="replace",
                              timeout=max(timeout, 0.1), env={**os.environ, "LC_ALL": "C"})
    except subprocess.TimeoutExpired:
        raise SshError(f"ssh: no answer within {timeout:g} s") from None
    except FileNotFoundError:
        raise SshError("ssh: command not found (install openssh-client)") from None
    if done.returncode == SSH_FAILED:
        raise SshError(ssh_cause(done.stderr))
    return Result(done.returncode, done.stdout, done.stderr)


def start_agent(server: JobServer, command: str, timeout: float = START_TIMEOUT) -> None:
    """Run agent_command's command on server; SshError says why the job did not start."""
    result = run(server, command, timeout)
    if result.status != 0:
        raise SshError(remote_cause(result))


def ssh_cause(stderr: str) -> str:
    """`ssh: <cause>` for what ssh wrote when it failed (exit status 255)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for pattern, cause in SSH_CAUSES:
        for line in lines:
            match = re.search(pattern, line)
            if match:
                if cause.startswith("permission denied"):
                    unreadable = _unreadable_key(lines)
                    if unreadable:
                        return unreadable
                return "ssh: " + match.expand(cause)
    telling = [line for line in lines if not line.startswith(("Warning:", "**"))]
    last = (telling or lines or ["ssh exited with status 255"])[-1].removeprefix("ssh: ")
    return "ssh: " + last[:1].lower() + last[1:]


def _unreadable_key(lines: list[str]) -> str | None:
    """A key ssh could not read: the reason the login was refused."""
    for line in lines:
        match = IDENTITY.search(line)
        if match:
            path, why = (match[1], match[2]) if match[1] else (match[3], match[4])
            return f"ssh: cannot read the key {path}: {why[:1].lower() + why[1:]}"
    return None


def remote_cause(result: Result) -> str:
    """Why the remote command failed: the agent missing, or its own last stderr line."""
    if result.status == COMMAND_NOT_FOUND and "not found" in result.stderr:
        return f"{AGENT}: command not found"
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else f"{AGENT} exited with status {result.status}"
