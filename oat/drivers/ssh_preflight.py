"""Why ssh cannot log in to a server, in one line naming the host, the port and the cause.

Before any step an inventory's servers are tried once with the OpenSSH client itself, with
the same ssh_config the run uses, verbose, on a connection of its own (no shared master), and
with host keys verified (BatchMode yes, StrictHostKeyChecking yes: given on the command line,
so no ssh_config can loosen them). Its messages say which cause it was:

    127.0.0.1 port 2222: connection refused (nothing listens on that port, or a firewall rejects it)
    127.0.0.1 port 2222: timed out after 10 s: connected, but no SSH greeting came (…)
    127.0.0.1 port 2222: unknown host key: the server offered ED25519 SHA256:…; /x/known_hosts has no key for [127.0.0.1]:2222 (…)
    127.0.0.1 port 2222: host key mismatch: the server offered ED25519 SHA256:…; /x/known_hosts:1 has RSA SHA256:… for [127.0.0.1]:2222 (…)
    127.0.0.1 port 2222: authentication refused for user root: the server did not accept the key /x/id (ED25519 SHA256:…) (…)
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

NEVER_OFF = "host keys are always verified"


@dataclass(frozen=True)
class Target:
    """How ssh reaches a server: a Host of an ssh_config file, and options given with it."""

    config: str
    alias: str
    options: tuple[str, ...] = ()


def check(target: Target, timeout: int) -> str | None:
    """None when ssh logs in and runs `true`; else one line: `HOST port PORT: cause`."""
    settings = effective(target)
    host, port = settings.get("hostname", target.alias), settings.get("port", "22")
    command = [
        "ssh",
        "-v",
        "-F",
        target.config,
        *target.options,
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "ControlMaster=no",
        "-o",
        "ControlPath=none",
        "-o",
        f"ConnectTimeout={timeout}",
        target.alias,
        "true",
    ]
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=3 * timeout + 30,
        )
    except subprocess.TimeoutExpired:
        return f"{host} port {port}: timed out: ssh had not finished after {3 * timeout + 30} s"
    if done.returncode == 0:
        return None
    if done.returncode != 255:  # ssh logged in: the remote side answered `true` with a failure
        return f"{host} port {port}: logged in, but `true` exited {done.returncode}{_last(done.stderr, ': ')}"
    return f"{host} port {port}: {cause(done.stderr, settings, timeout)}"


def effective(target: Target) -> dict[str, str]:
    """The settings ssh would use for the target (`ssh -G`: read, nothing is sent)."""
    done = subprocess.run(
        ["ssh", "-G", "-F", target.config, *target.options, target.alias],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
    )
    settings: dict[str, str] = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition(" ")
        settings.setdefault(key.lower(), value.strip())  # the first IdentityFile is the one given
    return settings


def cause(stderr: str, settings: dict[str, str], timeout: int) -> str:
    """The cause an `ssh -v` run that exited 255 gives, in the operator's words."""
    if "Host key verification failed" in stderr:
        return _host_key(stderr, settings)
    if re.search(r"Permission denied \(|Too many authentication failures", stderr):
        return _refused_login(stderr, settings)
    if "Connection refused" in stderr:
        return "connection refused (nothing listens on that port, or a firewall rejects it)"
    if "timed out during banner exchange" in stderr:
        return (
            f"timed out after {timeout} s: connected, but no SSH greeting came (something else listens "
            "there, or the server is overloaded)"
        )
    if re.search(r"(?i)connection timed out|operation timed out|timed out", stderr):
        return f"timed out after {timeout} s: no answer (a wrong address, or a firewall that drops the packets)"
    if "Could not resolve hostname" in stderr:
        return f"host name not resolved{_last(stderr, ': ')}"
    if re.search(r"No route to host|Network is unreachable", stderr):
        return f"unreachable{_last(stderr, ': ')}"
    if re.search(r"Connection closed by|Connection reset|kex_exchange_identification", stderr):
        return f"the server closed the connection before login{_last(stderr, ': ')}"
    return f"ssh failed{_last(stderr, ': ')}"


def _host_key(stderr: str, settings: dict[str, str]) -> str:
    offered = _offered(stderr)
    offending = re.search(r"Offending (\S+) key in (.+):(\d+)", stderr)
    changed = re.search(r"Host key for (\S+) has changed", stderr)
    if offending or changed or "REMOTE HOST IDENTIFICATION HAS CHANGED" in stderr:
        name = changed.group(1) if changed else "the server"
        if offending:
            known = f"{offending.group(2)}:{offending.group(3)} has " + _fingerprint_at(
                offending.group(2), int(offending.group(3)), offending.group(1)
            )
        else:
            known = f"{_known_hosts(settings)} has another key"
        return (
            f"host key mismatch: the server offered {offered}; {known} for {name} (a reinstalled server, "
            f"or someone in between: check which key is right; {NEVER_OFF})"
        )
    unknown = re.search(r"No \S+ host key is known for (\S+)", stderr)
    name = unknown.group(1) if unknown else "this host"
    return (
        f"unknown host key: the server offered {offered}; {_known_hosts(settings)} has no key for {name} "
        f"(check the fingerprint with the server's administrator, then add its key there; {NEVER_OFF})"
    )


def _refused_login(stderr: str, settings: dict[str, str]) -> str:
    user = re.search(r"Authenticating to \S+ as '([^']*)'", stderr)
    offered = re.findall(r"(?:Offering public key|Server accepts key): (\S+) (\S+) (SHA256:\S+)", stderr)
    methods = re.search(r"Permission denied \(([^)]*)\)", stderr)
    keys = ", ".join(dict.fromkeys(f"{path} ({kind} {fingerprint})" for path, kind, fingerprint in offered))
    said = f"the server did not accept the key {keys}" if offered else "ssh had no key to offer"
    if not offered and settings.get("identityfile"):
        said += f" (no identity file {settings['identityfile']} and no ssh-agent key)"
    how = f" (it accepts: {methods.group(1)})" if methods else ""
    return f"authentication refused for user {user.group(1) if user else settings.get('user', '?')}: {said}{how}"


def _offered(stderr: str) -> str:
    found = re.search(r"Server host key: (\S+) (\S+)", stderr)
    if found:
        return f"{_kind(found.group(1))} {found.group(2)}"
    sent = re.search(r"fingerprint for the (\S+) key sent by the remote host is\s+(\S+?)\.?\s", stderr)
    return f"{sent.group(1)} {sent.group(2)}" if sent else "a key ssh did not show"


def _kind(algorithm: str) -> str:
    """ssh-ed25519 → ED25519, ecdsa-sha2-nistp256 → ECDSA, rsa-sha2-512 → RSA (as ssh-keygen -l says)."""
    text = algorithm.lower()
    for needle, kind in (("ed25519", "ED25519"), ("ecdsa", "ECDSA"), ("rsa", "RSA"), ("dss", "DSA")):
        if needle in text:
            return kind + ("-SK" if "sk-" in text else "")
    return algorithm


def _fingerprint_at(path: str, line: int, kind: str) -> str:
    """The key of one line of a known_hosts file, as `TYPE SHA256:…`."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()[line - 1]
    except (OSError, IndexError):
        return f"a {kind} key"
    done = subprocess.run(
        ["ssh-keygen", "-l", "-f", "/dev/stdin"], input=text + "\n", capture_output=True, text=True, errors="replace"
    )
    found = re.search(r"(SHA256:\S+).*\((\S+)\)\s*$", done.stdout.strip())
    return f"{found.group(2)} {found.group(1)}" if found else f"a {kind} key"


def _known_hosts(settings: dict[str, str]) -> str:
    files = settings.get("userknownhostsfile", "").split()
    return " ".join(files) if files else "known_hosts"


def _last(stderr: str, prefix: str) -> str:
    """The last line ssh said that is no debug output, after `prefix`."""
    lines = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip() and not line.startswith("debug") and not line.startswith("OpenSSH_")
    ]
    return f"{prefix}{lines[-1]}" if lines else ""
