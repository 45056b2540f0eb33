"""Which servers a sentence means: a server's name, or a role of the lab's topology.

A runbook says "web" or "Webサーバ"; both are fine. A name is one server; a role is every
server that has it (`role:` in lab/topologies/NAME.yaml). A word that is neither stops the
step with one line naming the word, the lab, and the names and roles it knows.

Addresses follow the same rule: a name stands for its server's address, a role for the
address of each of its servers (`addresses`). Only where one value must come out (a URL's
host, `address`) does a role of several servers stop the step. `check_destination` keeps
traffic on loopback and the lab's own networks.
"""

from __future__ import annotations

import ipaddress

from oat.errors import LabError


class TargetError(LabError):
    """A sentence names a server, role or address the lab does not have (retrying cannot help)."""


def specs(lab, word: str) -> list:
    """The topology's entries of the servers `word` means (see `servers`), without reaching them."""
    known = lab.topology.servers
    if word in known:
        return [known[word]]
    named = [spec for spec in known.values() if spec.role == word]
    if named:
        return named
    raise TargetError(
        f"'{word}' is neither a server nor a role of lab '{lab.topology.name}' "
        f"(servers: {', '.join(known) or 'none'}; roles: {', '.join(roles(lab)) or 'none'})"
    )


def servers(lab, word: str) -> list:
    """The servers `word` means: the server of that name, else every server of that role."""
    return [lab.server(spec.name) for spec in specs(lab, word)]


def server(lab, word: str):
    """The one server `word` means (a role that several servers share is refused).

    Only for a place that holds one value: a URL's host, a kept answer. A check or an action
    on a role runs on each of its servers (`servers`, oat.vocabulary.checks.each)."""
    found = servers(lab, word)
    if len(found) > 1:
        raise TargetError(
            f"role '{word}' of lab '{lab.topology.name}' has {len(found)} servers "
            f"({', '.join(s.name for s in found)}): name one of them"
        )
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


def addresses(lab, word: str) -> list[tuple[str, str]]:
    """(name, address) of each server `word` means (a name, or every server of a role); any
    other word is one address as written, named by itself."""
    if not is_known(lab, word):
        return [(word, word)]
    return [(spec.name, spec.address) for spec in specs(lab, word)]


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
    raise TargetError(
        f"{what}: '{host}' is not a server or role of lab '{lab.topology.name}' nor an address of "
        f"its networks ({networks}) or loopback: nothing is sent there"
    )
