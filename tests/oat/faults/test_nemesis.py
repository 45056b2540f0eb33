"""One nemesis per fault: what each does to the driver's hardware when injected and healed,
and a driver that cannot do what a fault needs is named in one line."""

from __future__ import annotations

import pytest

from oat.drivers.base import Hardware
from oat.errors import LabError
from oat.faults.nemesis import CablesPulled, DiskReadOnly, PowerOff, ScriptFails, Stall


class Recorded(Hardware):
    """Hardware that only writes down what it was asked."""

    def __init__(self):
        self.calls: list[tuple] = []

    def power_off(self, name):
        self.calls.append(("power_off", name))

    def power_on(self, name):
        self.calls.append(("power_on", name))

    def freeze(self, name):
        self.calls.append(("freeze", name))

    def thaw(self, name):
        self.calls.append(("thaw", name))

    def cable(self, name, network, connected):
        self.calls.append(("cable", name, network, connected))

    def disk_writable(self, name, volume, binds, writable):
        self.calls.append(("disk", name, volume, writable))

    def holdings(self, name):
        raise NotImplementedError


@pytest.mark.parametrize(
    ("make", "kind", "what", "injected", "healed"),
    [
        (lambda h: PowerOff(h, "node1"), "電源断", "node1 の電源断", [("power_off", "node1")], [("power_on", "node1")]),
        (
            lambda h: Stall(h, "node1"),
            "OS ストール",
            "node1 の OS ストール",
            [("freeze", "node1")],
            [("thaw", "node1")],
        ),
        (
            lambda h: CablesPulled(h, "node1", {"パブリック LAN": "public"}),
            "パブリック LAN 断",
            "node1 のパブリック LAN断",
            [("cable", "node1", "public", False)],
            [("cable", "node1", "public", True)],
        ),
        (
            lambda h: CablesPulled(h, "node1", {"a": "public", "b": "interconnect"}, everything=True),
            "全 LAN 断",
            "node1 の全 LAN 断",
            [("cable", "node1", "public", False), ("cable", "node1", "interconnect", False)],
            [("cable", "node1", "public", True), ("cable", "node1", "interconnect", True)],
        ),
        (
            lambda h: DiskReadOnly(h, "node1", "/dev/shared", {"/mnt": "/dev/shared/x"}),
            "共有ディスク読み取り専用",
            "node1 の共有ディスク読み取り専用化",
            [("disk", "node1", "/dev/shared", False)],
            [("disk", "node1", "/dev/shared", True)],
        ),
    ],
)
def test_each_hardware_fault_is_injected_and_healed_once(make, kind, what, injected, healed):
    hardware = Recorded()
    nemesis = make(hardware)
    assert (nemesis.kind, nemesis.what) == (kind, what)
    nemesis.heal()  # never injected: nothing to undo
    assert hardware.calls == []
    nemesis.inject()
    assert hardware.calls == injected
    nemesis.heal()
    nemesis.heal()  # healed already: nothing more
    assert hardware.calls == injected + healed


def test_a_driver_without_what_a_fault_needs_is_named():
    class NoPower(Recorded):
        power_on = None  # type: ignore[assignment]

    with pytest.raises(LabError, match="NoPower cannot power_on: needed by the fault 電源断"):
        PowerOff(NoPower(), "node1")


class Server:
    name = "node1"

    def __init__(self, text: str):
        self.files = {"/scripts/start.sh": text.encode()}

    def get_file(self, path):
        return self.files[path]

    def put_file(self, path, text, mode=0o644):
        self.files[path] = text.encode()


def test_a_broken_script_exits_1_first_and_is_written_back():
    server = Server("#!/bin/sh\necho started\n")
    nemesis = ScriptFails(server, "/scripts/start.sh", "Start")
    assert (nemesis.kind, nemesis.what, nemesis.node) == ("活性異常", "活性異常 (Start Script)", "node1")
    nemesis.inject()
    assert server.files["/scripts/start.sh"].decode().splitlines()[:2] == [
        "#!/bin/sh",
        "exit 1  # 障害試験: Start Script の異常終了",
    ]
    nemesis.heal()
    assert server.files["/scripts/start.sh"] == b"#!/bin/sh\necho started\n"


def test_an_unknown_script_is_named():
    with pytest.raises(LabError, match="unknown exec script 'Restart'"):
        ScriptFails(Server(""), "/scripts/x.sh", "Restart")
