"""Between servers: can this server open a TCP connection to that one, and does it hold one?

The reachability probe runs ON the source server (testinfra's host.addr(...).port(...).is_reachable:
`nc -z` where netcat is installed, else bash's /dev/tcp, with a 1-second limit), so it shows
what the source's own network lets through. The target is a server name or role of the lab
(its address), `localhost`, or an address of the lab's networks or loopback; any other target
is refused in one line, nothing is sent.

An established connection is read from `ss` on the source (the client): a connection whose
peer is the target's address (any of its networks' addresses; loopback too when the target is
the source itself) and port. A connection is what a configured client keeps open (a replica to
its primary, an application to its DB); reachability only says that one could be opened.

A role of several servers means each of them, as source and as target: every pair must hold,
and the failure has one part per pair that does not.
"""

from __future__ import annotations

from oat import sockets
from oat.model.targets import check_destination, is_known, specs
from oat.vocabulary.checks import check, each

LOOPBACK = ("127.0.0.1", "::1")


def _targets(lab, target: str) -> list[tuple[str, str]]:
    """(as shown, address) of each server the target means, or the target as an address."""
    if not is_known(lab, target):
        return [(target, check_destination(lab, target, f"target '{target}'"))]
    return [(spec.name, check_destination(lab, spec.address, f"target '{target}'")) for spec in specs(lab, target)]


def _shown(target: str, host: str, port: int) -> str:
    return f"{target} ({host}) TCP port {port}" if target != host else f"{host} TCP port {port}"


def _every_target(source: str, targets, verdict) -> None:
    """`verdict(name, host)` is None when the pair holds, else why not; all of them in one line."""
    problems = [problem for name, host in targets if (problem := verdict(name, host))]
    assert not problems, "; ".join(f"{source}: {problem}" for problem in problems)


@check('"{source:q}" から "{target:q}" の TCP ポート {port:d} に到達できる')
def reachable(lab, source, target, port):
    """The source server can open a TCP connection to the target's port (a probe run on the source)."""
    targets = _targets(lab, target)

    def reaches(s):
        _every_target(
            s.name,
            targets,
            lambda name, host: (
                None if s.host.addr(host).port(port).is_reachable else f"cannot reach {_shown(name, host, port)}"
            ),
        )

    each(lab, source, reaches)


@check('"{source:q}" から "{target:q}" の TCP ポート {port:d} に到達できない')
def unreachable(lab, source, target, port):
    """The source server cannot open a TCP connection to the target's port (refused or no answer within 1 s)."""
    targets = _targets(lab, target)

    def blocked(s):
        _every_target(
            s.name,
            targets,
            lambda name, host: (
                None
                if not s.host.addr(host).port(port).is_reachable
                else f"reaches {_shown(name, host, port)}, expected no connection"
            ),
        )

    each(lab, source, blocked)


def _peers(lab, target: str, source) -> list[tuple[str, set[str]]]:
    """(as shown, the addresses a connection to it has as peer) of each server the target means."""
    if not is_known(lab, target):
        return [(target, set(LOOPBACK) if target == "localhost" else {target.strip("[]")})]
    return [
        (spec.name, {*spec.addresses.values(), *(LOOPBACK if spec.name == source.name else ())})
        for spec in specs(lab, target)
    ]


def _connections(server, peers: set[str], port: int) -> tuple[list[sockets.Socket], list[sockets.Socket]]:
    """The server's established TCP connections to one of `peers` at `port`, and all of its
    connections to that port (for the message)."""
    to_port = [s for s in sockets.parse(server.check(sockets.ESTABLISHED)) if s.peer[1] == port]
    return [s for s in to_port if s.peer[0] in peers], to_port


def _listed(found: list[sockets.Socket]) -> str:
    return "; ".join(map(str, found)) or "none"


@check('"{source:q}" から "{target:q}" の TCP ポート {port:d} への接続が確立している')
def connected_to(lab, source, target, port):
    """The source server holds an established TCP connection to the target's port (ss on the source)."""

    def holds(s):
        def verdict(name, peers):
            found, to_port = _connections(s, peers, port)
            return (
                None
                if found
                else (
                    f"no established TCP connection to {name} ({', '.join(sorted(peers))}) "
                    f"port {port}; its connections to port {port}: {_listed(to_port)}"
                )
            )

        _every_target(s.name, _peers(lab, target, s), verdict)

    each(lab, source, holds)


@check('"{source:q}" から "{target:q}" の TCP ポート {port:d} への接続が確立していない')
def not_connected_to(lab, source, target, port):
    """The source server holds no established TCP connection to the target's port (ss on the source)."""

    def holds_none(s):
        def verdict(name, peers):
            found, _ = _connections(s, peers, port)
            return (
                None
                if not found
                else (
                    f"{len(found)} established TCP connection(s) to {name} port {port}, expected none: {_listed(found)}"
                )
            )

        _every_target(s.name, _peers(lab, target, s), verdict)

    each(lab, source, holds_none)
