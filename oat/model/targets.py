"""Which servers a sentence means: a server's name, or a role of the lab's topology.

A runbook says "web" or "Webサーバ"; both are fine. A name is one server; a role is every
server that has it (`role:` in lab/topologies/NAME.yaml). A word that is neither stops the
step with one line naming the word, the lab, and the names and roles it knows.

Addresses follow the same rule (a name or a role of one server stands for its address), and
`check_destination` keeps traffic on loopback and the lab's own networks.
"""
from __future__ import annotations

import ipaddress

from oat.errors import LabError


class TargetError(LabError):
    """A sentence names a server, role or address the lab does not have (retrying cannot help)."""


def servers(lab, word: str) -> list:
    """The servers `word` means: the server of that name, else every server of that role."""
    specs = lab.topology.servers
    if word in specs:
        return [lab.server(word)]
    named = [spec.name for spec in specs.values() if spec.role == word]
    if named:
        return [lab.server(name) for name in named]
    raise TargetError(f"'{word}' is neither a server nor a role of lab '{lab.topology.name}' "
                      f"(servers: {', '.join(specs) or 'none'}; roles: {', '.join(roles(lab)) or 'none'})")


def server(lab, word: str):
    """The one server `word` means (a role that several servers share is refused)."""
    found = servers(lab, word)
    if len(found) > 1:
        raise TargetError(f"role '{word}' of lab '{lab.topology.name}' has {len(found)} servers "
                          f"({', '.join(s.name for s in found)}): name one of them")
    return found[0]


def roles(lab) -> list[str]:
    return list(dict.fromkeys(spec.role for spec in lab.topology.servers.values()))


def is_known(lab, word: str) -> bool:
    """Whether `word` is a server name or a role of the lab."""
    return word in lab.topology.servers or word in roles(lab)


def address(lab, word: str) -> str:
    """The address `word` means: a server name or role (of one server) → its address; any other
    word is taken as written (an address or host name)."""
    return server(lab, word).address if is_known(lab, word) else word


def subnets(lab) -> list[ipaddress.IPv4Network]:
    return [network.subnet for network in lab.topology.networks.values()]


def check_destination(lab, host: str, what: str) -> str:
    """`host` when it is loopback or an address of one of the lab's networks; else a one-line
    TargetError (nothing is sent, nothing is looked up)."""
    if host == "localhost":
        return host
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None and (ip.is_loopback or any(ip in subnet for subnet in subnets(lab))):
        return host
    networks = ", ".join(str(s) for s in subnets(lab))
    raise TargetError(f"{what}: '{host}' is not a server or role of lab '{lab.topology.name}' nor an address of "
                      f"its networks ({networks}) or loopback: nothing is sent there")
