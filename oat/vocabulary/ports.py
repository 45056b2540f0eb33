"""TCP ports a server listens on, as its own kernel says (`ss`, through oat.sockets).

"Listens on ADDRESS" holds when a socket is bound to that address or to the wildcard of its
family (0.0.0.0 for IPv4, :: for IPv6, * for both): it accepts connections there. "Only on
ADDRESS" is strict: every listening socket of that port is bound to exactly that address.
An address may be written as a server name or role of the lab (its address).
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
    wanted = _address(lab, address)

    def listens(s):
        found = _listening(s, port)
        assert any(_accepts(sock, wanted) for sock in found), (
            f"{s.name}: TCP port {port} is not listened on at {wanted}; it is at: {_shown(found)}")
    each(lab, server, listens)


@check('"{server:q}" が TCP ポート {port:d} を "{address:q}" だけで待ち受けている')
def port_listening_only_on(lab, server, port, address):
    """The server listens on this TCP port on exactly this address and on no other (no wildcard)."""
    wanted = _address(lab, address)

    def only(s):
        found = _listening(s, port)
        assert found and all(sock.local[0] == wanted for sock in found), (
            f"{s.name}: TCP port {port} is listened on at {_shown(found)}; expected only at {wanted}")
    each(lab, server, only)


@check('"{server:q}" が TCP ポート {port:d} で待ち受けていない')
def port_closed(lab, server, port):
    """Nothing listens on this TCP port on the server."""
    def closed(s):
        found = _listening(s, port)
        assert not found, f"{s.name}: TCP port {port} is listened on at {_shown(found)}, expected nowhere"
    each(lab, server, closed)


def _address(lab, word: str) -> str:
    """A server name or role stands for its address; an IPv6 address is compared without [ ]."""
    return targets.address(lab, word).strip("[]")
