"""TCP ports a server listens on, as its own kernel says (`ss`, through oat.sockets).

"Listens on ADDRESS" holds when a socket is bound to that address or to the wildcard of its
family (0.0.0.0 for IPv4, :: for IPv6, * for both): it accepts connections there; "not on
ADDRESS" when no socket of that port does. "Only on A と B" is strict: the listening sockets
of that port are bound to exactly these addresses, each of them, and to no other (a wildcard
only where it is listed).

An address may be written as a server name or role of the lab, as the lab runs it (relocated,
or an inventory's): a server name is its address; a role that the checked server has is that
server's own address (each server of the role binds its own); another role is the address of
each of its servers.
"""

from __future__ import annotations

import ipaddress

from oat import sockets
from oat.model import targets
from oat.vocabulary.checks import check, each

ANY = {4: ("0.0.0.0", "*"), 6: ("::", "*")}


def _listening(server, port: int) -> list[sockets.Socket]:
    return [s for s in sockets.listeners(server) if s.local[1] == port]


def _shown(found: list[sockets.Socket]) -> str:
    return ", ".join(sorted({_where(s) for s in found})) or "nothing"


def _where(socket: sockets.Socket) -> str:
    host, port = socket.local
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _accepts(socket: sockets.Socket, wanted: str) -> bool:
    host = socket.local[0]
    if host == wanted:
        return True
    try:
        family = ipaddress.ip_address(wanted).version
    except ValueError:
        return False
    return host in ANY[family]


@check('"{server:q}" が TCP ポート {port:d} で待ち受けている')
def port_listening(lab, server, port):
    """The server listens on this TCP port (on any address)."""

    def listens(s):
        assert _listening(s, port), f"{s.name}: nothing listens on TCP port {port}"

    each(lab, server, listens)


@check('"{server:q}" が "{address:q}" の TCP ポート {port:d} で待ち受けている')
def port_listening_on(lab, server, address, port):
    """The server accepts connections on this address and TCP port (bound to it, or to the wildcard)."""

    def listens(s):
        found = _listening(s, port)
        missing = [a for a in _wanted(lab, address, s) if not any(_accepts(sock, a) for sock in found)]
        assert not missing, (
            f"{s.name}: TCP port {port} is not listened on at {', '.join(missing)}; it is at: {_shown(found)}"
        )

    each(lab, server, listens)


@check('"{server:q}" が TCP ポート {port:d} を "{addresses:qs}" だけで待ち受けている')
def port_listening_only_on(lab, server, port, addresses):
    """The server listens on this TCP port on exactly these addresses, each of them, and on no other (no wildcard unless listed)."""

    def only(s):
        wanted = _wanted(lab, addresses, s)
        found = _listening(s, port)
        assert {sock.local[0] for sock in found} == set(wanted), (
            f"{s.name}: TCP port {port} is listened on at {_shown(found)}; expected only at {', '.join(wanted)}"
        )

    each(lab, server, only)


@check('"{server:q}" が TCP ポート {port:d} を "{addresses:qs}" で待ち受けていない')
def port_not_listening_on(lab, server, port, addresses):
    """The server does not accept connections on this TCP port at these addresses (neither bound to them nor to the wildcard)."""

    def not_there(s):
        found = _listening(s, port)
        open_at = [a for a in _wanted(lab, addresses, s) if any(_accepts(sock, a) for sock in found)]
        assert not open_at, (
            f"{s.name}: TCP port {port} accepts connections at {', '.join(open_at)}, expected not; "
            f"it is listened on at {_shown(found)}"
        )

    each(lab, server, not_there)


@check('"{server:q}" が TCP ポート {port:d} で待ち受けていない')
def port_closed(lab, server, port):
    """Nothing listens on this TCP port on the server."""

    def closed(s):
        found = _listening(s, port)
        assert not found, f"{s.name}: TCP port {port} is listened on at {_shown(found)}, expected nowhere"

    each(lab, server, closed)


def _wanted(lab, words, server) -> list[str]:
    """The addresses the words mean on `server` (see the module's text); an IPv6 address is
    compared without [ ]."""
    found = []
    for word in (words,) if isinstance(words, str) else words:
        if word == server.spec.role:
            found.append(server.address)
        else:
            found += [host for _, host in targets.addresses(lab, word)]
    return list(dict.fromkeys(host.strip("[]") for host in found))
