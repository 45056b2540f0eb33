"""The Driver interface: one lab, the servers of a topology, made (the Docker lab) or handed
over (an inventory's servers).

A driver makes (or finds) its servers and destroys what it made; each Server it hands out
runs over the driver's Transport (oat.drivers.base), so nothing above a driver needs to know
how a server is reached. What a driver may lack (hardware to break, a kept lab to take over) is a method that raises one clear error, never something to probe for.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from oat.drivers.base import Hardware, ServerInfo
from oat.errors import LabError
from oat.model.relocation import Relocation
from oat.model.topology import Topology
from oat.servers import Server


class Driver(ABC):
    """One lab: the servers of a topology, made (the Docker lab) or handed over (an inventory).

    Lifecycle as Molecule's: create · (the steps) · destroy, or keep. The steps reach each
    server through `server(name)`; its Server runs over this driver's Transport."""

    topology: Topology
    run_id: str
    # What this run moved elsewhere (networks of another run's subnets): none unless the driver
    # relocates.
    relocation: Relocation = Relocation()
    kind: str = "a lab"  # how the errors below name the driver: "an inventory's servers" …

    @abstractmethod
    def create(self) -> None:
        """Make (or check) the servers, and have them ready for the first step."""

    def attach(self) -> None:
        """Take over the lab an earlier run kept, as it was left."""
        raise LabError(f"lab '{self.topology.name}' ({self.kind}) cannot be taken over from an earlier run")

    @abstractmethod
    def destroy(self) -> None:
        """Remove what the driver made (and close what it opened)."""

    @abstractmethod
    def destroyed(self) -> str:
        """What destroy() did, in one line for the operator."""

    @abstractmethod
    def keep_instructions(self) -> str:
        """How to enter the servers of a lab that is kept, and how to remove it."""

    @abstractmethod
    def server(self, name: str) -> Server:
        """A server by its topology name; an unknown name is a one-line error naming the lab."""

    @property
    @abstractmethod
    def servers(self) -> list[Server]:
        """The servers the procedure works on."""

    @abstractmethod
    def describe(self) -> list[ServerInfo]:
        """The servers as the report shows them."""

    @abstractmethod
    def restart(self, name: str) -> None:
        """Reboot a server as an operator does (`systemctl reboot`), and wait until it is back."""

    @abstractmethod
    def image_tag(self, image: str) -> str:
        """The tag of one of the lab's images (a platform server loads it)."""

    def entry(self, address: str) -> str | None:
        """Where the test runner's connections to this address of the lab come out when it
        cannot route to the lab itself (oat/drivers/docker/wayin.py): a container on the
        address's network, or None (not an address of this lab; or the lab is routed here)."""
        return None

    def fencing(self, ca, network: str, port: int, nodes: list[str]):
        """The servers' management boards, as one fencing endpoint the nodes' fence agents
        reach (forced stop), or None where oat may not power servers off (an inventory's)."""
        return None

    def hardware(self) -> Hardware:
        """The servers' hardware, for faults injected from outside them."""
        raise LabError(
            f"lab '{self.topology.name}' ({self.kind}) is not a Docker lab: oat may not power off, freeze "
            "or unplug servers it did not make (faults are carried out on the Docker lab only)"
        )
