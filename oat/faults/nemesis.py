"""The faults, one class each (Jepsen's nemesis): what it does to one server (inject), how
it is undone (heal), the driver's hardware it needs, and the objective it is timed against.
A nemesis never reads what the product did: the checkers (sampler, append client) and the
audits do that, over what they recorded.

The hardware faults act from outside the server, through its driver (oat.drivers.base.Hardware):
power, CPU, cables, the path to a disk. A broken exec script acts on the server's files, as
an operator who breaks it on purpose would.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from oat.errors import LabError

if TYPE_CHECKING:
    from oat.drivers.base import Hardware


class Nemesis(ABC):
    kind: ClassVar[str]  # its objective's name (product data objectives.recovery_seconds)
    needs: ClassVar[tuple[str, ...]] = ()  # the Hardware operations it calls
    leaves_off: ClassVar[bool] = False  # the server stays powered off until healed

    def __init__(self, node: str):
        self.node = node
        self.injected = False

    @property
    @abstractmethod
    def what(self) -> str:
        """The fault as the report names it ("node1 の電源断")."""

    @abstractmethod
    def _inject(self) -> None: ...

    @abstractmethod
    def _heal(self) -> None: ...

    def inject(self) -> None:
        self._inject()
        self.injected = True

    def heal(self) -> None:
        """Undo the fault; healing one never injected, or healed already, does nothing."""
        if self.injected:
            self._heal()
            self.injected = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.what}{'' if self.injected else ' (healed)'}>"


def require(hardware: Hardware, nemesis: type[Nemesis]) -> None:
    """A driver's hardware that cannot do what the fault needs is a one-line error naming both."""
    missing = [op for op in nemesis.needs if not callable(getattr(type(hardware), op, None))]
    if missing:
        raise LabError(f"{type(hardware).__name__} cannot {', '.join(missing)}: needed by the fault {nemesis.kind}")


class _OnHardware(Nemesis):
    def __init__(self, hardware: Hardware, node: str):
        require(hardware, type(self))
        super().__init__(node)
        self.hardware = hardware


class PowerOff(_OnHardware):
    """The power is pulled: every process dies at once, and the server stays off."""

    kind, needs, leaves_off = "電源断", ("power_off", "power_on"), True

    @property
    def what(self) -> str:
        return f"{self.node} の電源断"

    def _inject(self) -> None:
        self.hardware.power_off(self.node)

    def _heal(self) -> None:
        self.hardware.power_on(self.node)


class Stall(_OnHardware):
    """The OS stalls: no process is scheduled; the server keeps its addresses and mounts."""

    kind, needs = "OS ストール", ("freeze", "thaw")

    @property
    def what(self) -> str:
        return f"{self.node} の OS ストール"

    def _inject(self) -> None:
        self.hardware.freeze(self.node)

    def _heal(self) -> None:
        self.hardware.thaw(self.node)


class CablesPulled(_OnHardware):
    """Cables pulled: the server's interfaces on those networks lose carrier, keeping their
    addresses. One LAN is a LAN fault; every LAN between the nodes is a network partition."""

    needs = ("cable",)

    def __init__(self, hardware: Hardware, node: str, networks: dict[str, str], everything: bool = False):
        super().__init__(hardware, node)
        self.networks = networks  # the LAN as the scenario names it -> the lab's network
        self.everything = everything

    @property
    def kind(self) -> str:  # type: ignore[override]
        return "全 LAN 断" if self.everything else f"{' '.join(self.networks)} 断"

    @property
    def what(self) -> str:
        return f"{self.node} の全 LAN 断" if self.everything else f"{self.node} の{'・'.join(self.networks)}断"

    def _inject(self) -> None:
        for network in self.networks.values():
            self.hardware.cable(self.node, network, connected=False)

    def _heal(self) -> None:
        for network in self.networks.values():
            self.hardware.cable(self.node, network, connected=True)


class DiskReadOnly(_OnHardware):
    """The server's path to the shared disk turns read-only, as after an I/O error."""

    kind, needs = "共有ディスク読み取り専用", ("disk_writable",)

    def __init__(self, hardware: Hardware, node: str, volume: str, mounts: dict[str, str]):
        super().__init__(hardware, node)
        self.volume, self.mounts = volume, mounts  # where the disk is seen; mount point -> device

    @property
    def what(self) -> str:
        return f"{self.node} の共有ディスク読み取り専用化"

    def _inject(self) -> None:
        self.hardware.disk_writable(self.node, self.volume, self.mounts, writable=False)

    def _heal(self) -> None:
        self.hardware.disk_writable(self.node, self.volume, self.mounts, writable=True)


class ScriptFails(Nemesis):
    """An exec resource script made to exit 1 before doing anything: its next run fails.
    Start Script: 活性異常; Stop Script: 非活性異常. The original is written back on heal."""

    KINDS: ClassVar[dict[str, str]] = {"Start": "活性異常", "Stop": "非活性異常"}

    def __init__(self, server, path: str, which: str):
        if which not in self.KINDS:
            raise LabError(f"unknown exec script '{which}' (known: {', '.join(self.KINDS)})")
        super().__init__(server.name)
        self.server, self.path, self.which = server, path, which
        self.original: str | None = None

    @property
    def kind(self) -> str:  # type: ignore[override]
        return self.KINDS[self.which]

    @property
    def what(self) -> str:
        return f"{self.kind} ({self.which} Script)"

    def _inject(self) -> None:
        self.original = self.server.get_file(self.path).decode()
        shebang, _, rest = self.original.partition("\n")
        broken = f"{shebang}\nexit 1  # 障害試験: {self.which} Script の異常終了\n{rest}"
        self.server.put_file(self.path, broken, mode=0o755)

    def _heal(self) -> None:
        self.server.put_file(self.path, self.original, mode=0o755)
