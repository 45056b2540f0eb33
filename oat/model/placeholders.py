"""Placeholders in a step's text: another server's address or host name, and secrets.

    {web.address}            the address of server web (or of the one server of a role), on its
                             first network; on a relocated lab, the moved address; on an
                             inventory, the inventory's address
    {web.address.interconnect}   its address on the network `interconnect`
    {web.host}               its host name (what `hostname` says on it)
    {secret.NAME}            a declared secret's value (oat.model.secrets)

So a runbook names servers, never addresses, and runs unchanged on the lab, a relocated lab
and an inventory. Only these shapes are placeholders: shell's `${…}`, awk's `{print $1}` or a
JSON object are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from oat.errors import FeatureError

SERVER = re.compile(r"(?<!\$)\{(?P<word>[^\s{}.'\"$]+)\.(?P<attr>address|host)(?:\.(?P<network>[\w-]+))?\}")


class PlaceholderError(FeatureError):
    """A placeholder that names no server (or role of one server), or a network it is not on."""


def find_servers(text: str) -> list[re.Match]:
    return [m for m in SERVER.finditer(text) if m.group("word") != "secret"]


def check_servers(text: str, topology, place: str) -> None:
    """Every server placeholder of `text` names a server of `topology` (or a role of one
    server) and a network it is on; else a one-line PlaceholderError naming `place`."""
    for match in find_servers(text):
        spec = _spec(topology, match.group("word"), match.group(0), place)
        network = match.group("network")
        if network and network not in spec.addresses:
            raise PlaceholderError(
                f"{place}: {match.group(0)}: server '{spec.name}' is not on network '{network}' "
                f"(its networks: {', '.join(spec.addresses)})"
            )


def expand_servers(text: str, topology, hostname: Callable[[str], str], place: str) -> str:
    """`text` with each server placeholder replaced by what it stands for on `topology` (the
    lab as it runs: relocated, or an inventory's); `hostname(name)` asks a server its name."""

    def value(match: re.Match) -> str:
        if match.group("word") == "secret":
            return match.group(0)
        spec = _spec(topology, match.group("word"), match.group(0), place)
        if match.group("attr") == "host":
            return hostname(spec.name)
        network = match.group("network")
        if network and network not in spec.addresses:
            raise PlaceholderError(f"{place}: {match.group(0)}: server '{spec.name}' is not on network '{network}'")
        return spec.addresses[network] if network else spec.address

    return SERVER.sub(value, text) if "{" in text else text


def _spec(topology, word: str, written: str, place: str):
    servers = topology.servers
    if word in servers:
        return servers[word]
    named = [spec for spec in servers.values() if spec.role == word]
    if len(named) == 1:
        return named[0]
    roles = list(dict.fromkeys(spec.role for spec in servers.values()))
    if named:
        # A placeholder becomes one word of a command's text: it cannot mean every server of a
        # role, as a step's server field does (the step runs once per server, the text once).
        raise PlaceholderError(
            f"{place}: {written}: role '{word}' of lab '{topology.name}' has {len(named)} servers "
            f"({', '.join(s.name for s in named)}): name one of them"
        )
    raise PlaceholderError(
        f"{place}: {written} names no server or role of lab '{topology.name}' "
        f"(servers: {', '.join(servers)}; roles: {', '.join(roles)})"
    )
