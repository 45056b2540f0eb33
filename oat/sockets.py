"""TCP sockets as `ss` shows them on a server: who listens where, and who is connected to whom.

The post-condition of a configuration step is often a socket: a service bound to one address
only, a daemon connected to the DB its config names. `ss` is on every Debian server
(iproute2), so the check reads the server's own kernel, not a client's view.

`ss -p` names the processes holding a socket only where it may read their /proc/PID/fd: not
for a service running as its own user inside a container without CAP_SYS_PTRACE. There the
socket's owner (`-e`: uid) tells whose it is: the uid the named processes run as.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# stderr holds only ss's notes on cgroup ids it may not resolve in a container.
LISTENING = "ss -Htlnpe 2>/dev/null"
ESTABLISHED = "ss -Htnpe state established 2>/dev/null"
_ADDRESS = re.compile(r"^(?P<host>\[[^\]]+\]|[^\s\[\]]+):(?P<port>\d+|\*)$")
_USERS = re.compile(r'\("(?P<name>[^"]+)",pid=(?P<pid>\d+)')
_UID = re.compile(r"\buid:(\d+)")


@dataclass(frozen=True)
class Socket:
    local: tuple[str, int]
    peer: tuple[str, int | None]
    processes: frozenset[str]  # process names (comm) holding the socket, when ss may see them
    uid: int | None = None  # the socket's owner

    def __str__(self) -> str:
        names = ",".join(sorted(self.processes)) or "?"
        return f"{_show(self.local)} ⇄ {_show(self.peer)} ({names})"


def parse(output: str) -> list[Socket]:
    """Sockets from `ss -Htnp` / `ss -Htlnp` output (with or without the State column)."""
    found = []
    for line in output.splitlines():
        addresses = [m for m in map(_ADDRESS.match, line.split()) if m]
        if len(addresses) < 2:
            continue
        local, peer = (_address(m) for m in addresses[:2])
        uid = _UID.search(line)
        found.append(
            Socket(local, peer, frozenset(m["name"] for m in _USERS.finditer(line)), int(uid.group(1)) if uid else None)
        )
    return found


def held_by(sockets: list[Socket], names, uids=()) -> list[Socket]:
    """The sockets that a process of one of these names holds (or, where ss cannot name the
    holder, that one of these uids owns)."""
    names, uids = set(names), set(uids)
    return [s for s in sockets if s.processes & names or (not s.processes and s.uid in uids)]


def listeners(server) -> list[Socket]:
    """Every TCP socket listening on that server, whoever holds it."""
    return parse(server.check(LISTENING))


def listening(server, names) -> list[Socket]:
    """The TCP sockets processes of these names listen on, on that server."""
    return held_by(parse(server.check(LISTENING)), names, _uids(server, names))


def connected(server, names) -> list[Socket]:
    """The established TCP connections processes of these names hold, on that server."""
    return held_by(parse(server.check(ESTABLISHED)), names, _uids(server, names))


def _uids(server, names) -> set[int]:
    """The uids the processes of these names run as, root's excepted: root's sockets are
    always named by ss, and many of root's processes are not these."""
    listing = server.run("ps -o uid= -C %s" % ",".join(names)).stdout
    return {int(uid) for uid in listing.split() if uid.isdigit() and uid != "0"}


def _address(match: re.Match) -> tuple[str, int | None]:
    host = match["host"].strip("[]").split("%", 1)[0]
    if host.startswith("::ffff:"):  # an IPv4 peer of a dual-stack socket
        host = host[len("::ffff:") :]
    port = match["port"]
    return host, None if port == "*" else int(port)


def _show(address: tuple[str, int | None]) -> str:
    host, port = address
    return f"{'[' + host + ']' if ':' in host else host}:{'*' if port is None else port}"
