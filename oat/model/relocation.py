"""A lab on other subnets than its document's (the Docker lab moves a network that another run
holds, oat.drivers.docker.relocation).

A moved network keeps every address's host part (192.168.10.13 on 192.168.10.0/24 becomes
10.213.4.13 on 10.213.4.0/24), so a lab is the same lab wherever it lands. Everything that
names an address of a moved network (the topology, the product facts, the files rendered
from them) is translated through one `Relocation`; the report says which addresses the run
used and which differ from the document's.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass, field

from oat.model.topology import Network, Topology

_ADDRESS = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(/\d{1,2})?(?![\d.])")


@dataclass
class Relocation:
    moves: dict[str, tuple[ipaddress.IPv4Network, ipaddress.IPv4Network]] = field(default_factory=dict)
    # network name -> (the document's subnet, the subnet used)
    why: str = "は使用中のため"  # the report's reason: another run held it, or the inventory's network is there

    def __bool__(self) -> bool:
        return bool(self.moves)

    def text(self, text: str) -> str:
        """Any text with every address (and subnet) of a moved network translated."""
        if not self.moves:
            return text

        def moved(match: re.Match) -> str:
            try:
                address = ipaddress.IPv4Address(match.group(1))
            except ValueError:
                return match.group(0)
            for old, new in self.moves.values():
                if address in old:
                    offset = int(address) - int(old.network_address)
                    return f"{ipaddress.IPv4Address(int(new.network_address) + offset)}{match.group(2) or ''}"
            return match.group(0)

        return _ADDRESS.sub(moved, text)

    def value(self, value):
        """A product value (text, list or mapping) with its addresses translated."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def differences(self) -> list[str]:
        """One line per moved network, for the report."""
        return [f"{name}: 手順書の {old} {self.why} {new} を使用" for name, (old, new) in self.moves.items()]


def relocate(topology: Topology, moves: dict[str, ipaddress.IPv4Network]) -> tuple[Topology, Relocation]:
    """The topology with some networks on other subnets (same prefix length)."""
    relocation = Relocation({name: (topology.networks[name].subnet, subnet) for name, subnet in moves.items()})
    networks = {name: Network(net.name, moves.get(name, net.subnet)) for name, net in topology.networks.items()}
    servers = {
        name: dataclasses.replace(s, addresses={n: relocation.text(a) for n, a in s.addresses.items()})
        for name, s in topology.servers.items()
    }
    return dataclasses.replace(topology, networks=networks, servers=servers), relocation
