"""The Docker lab's servers seen from their hardware (oat.drivers.base.Hardware): power is the
container's, a frozen CPU its cgroup freezer, a cable the host's end of its veth pair, a disk
its mount; what a server holds (addresses, mounts, processes) is read from the host, so it can
be read even while the server is frozen or cut off.

Only the Docker lab has hardware oat may touch; an inventory's servers do not (a fault there
is an operator's to cause): its driver says so in one line (oat.drivers.driver.Driver.hardware).
"""

from __future__ import annotations

import os
import re
import subprocess
from typing import TYPE_CHECKING

from oat.drivers.base import OFF, Hardware, Holdings
from oat.errors import LabError
from oat.procfs import processes_in

if TYPE_CHECKING:
    from oat.drivers.docker.lab import Lab


class DockerHardware(Hardware):
    def __init__(self, lab: Lab):
        self.lab = lab
        self.api = lab.client.api

    def _container(self, name: str) -> str:
        return self.lab.server(name).container

    def _state(self, name: str) -> dict:
        return self.api.inspect_container(self._container(name))["State"]

    # --- power and CPU ------------------------------------------------------------------
    def power_off(self, name: str) -> None:
        """Pull the plug: every process gets SIGKILL at once; the server stays off."""
        self.api.kill(self._container(name))

    def power_on(self, name: str) -> None:
        if not self._state(name)["Running"]:
            self.api.start(self._container(name))

    def freeze(self, name: str) -> None:
        """An OS stall: every process of the server stops being scheduled (cgroup freezer)."""
        self.api.pause(self._container(name))

    def thaw(self, name: str) -> None:
        if self._state(name)["Paused"]:
            self.api.unpause(self._container(name))

    # --- cables -------------------------------------------------------------------------
    def cable(self, name: str, network: str, connected: bool) -> None:
        """Unplug (or plug back) the server's cable to a network: its interface keeps its
        addresses and loses carrier, as with a pulled cable or a dead switch port."""
        address = self.lab.server(name).spec.addresses.get(network)
        if address is None:
            raise LabError(f"server '{name}' has no cable to network '{network}'")
        peer = self._host_end(name, address)
        _host(["ip", "link", "set", peer, "up" if connected else "down"])

    def _host_end(self, name: str, address: str) -> str:
        """The host's end of the veth pair that carries the server's address."""
        pid = self._pid(name)
        shown = _host(["nsenter", "-t", str(pid), "-n", "ip", "-o", "-4", "addr", "show"])
        device = next((line.split()[1] for line in shown.splitlines() if f" {address}/" in line), None)
        if device is None:
            raise LabError(f"server '{name}' has no interface with {address}")
        # "7: eth1@if123: <...>": the host's end of the pair has ifindex 123
        shown = _host(["nsenter", "-t", str(pid), "-n", "ip", "-o", "link", "show", "dev", device.split("@")[0]])
        found = re.search(r"@if(\d+):", shown)
        if found is None:
            raise LabError(f"server '{name}': {device} is not one end of a veth pair: {shown.strip()[:120]}")
        index = found.group(1)
        for line in _host(["ip", "-o", "link", "show"]).splitlines():
            number, peer = line.split(":", 2)[:2]
            if number.strip() == index:
                return peer.strip().split("@")[0]
        raise LabError(f"server '{name}': the host end of {device} (ifindex {index}) is not found")

    # --- disks --------------------------------------------------------------------------
    def disk_writable(self, name: str, volume: str, binds: dict[str, str], writable: bool) -> None:
        """The server's path to a disk turns read-only (as a file system does after an I/O
        error), or writable again. `volume` is where the server mounts the disk: it is
        remounted from the host, in the server's mount namespace. `binds` are mount points
        made from it (mount point -> source): a mount with files open for writing cannot be
        remounted, so each is detached (its open files keep the old mount) and bound again
        from the volume, whose read-only flag a new bind mount takes. The fault lasts until
        it is undone: the cluster's own later mounts are read-only too."""
        pid = self._pid(name)
        mounted = self._mounts(pid)
        if volume not in mounted:
            raise LabError(f"server '{name}' has no disk mounted at {volume}")
        inside = ["nsenter", "-t", str(pid), "-m", "-p"]  # -p: umount reads /proc/self of the server
        _host([*inside, "mount", "-o", f"remount,bind,{'rw' if writable else 'ro'}", volume])
        for point, source in binds.items():
            if point in mounted:
                _host([*inside, "umount", "-l", point])
                _host([*inside, "mount", "--bind", source, point])

    @staticmethod
    def _mounts(pid: int) -> set[str]:
        with open(f"/proc/{pid}/mountinfo", encoding="utf-8") as fh:
            return {line.split()[4] for line in fh}

    # --- what a server holds, read from the host -----------------------------------------
    def holdings(self, name: str) -> Holdings:
        pid = self._pid(name, required=False)
        if not pid:
            return OFF
        try:
            shown = _host(["nsenter", "-t", str(pid), "-n", "ip", "-o", "-4", "addr", "show"])
            mounts = frozenset(self._mounts(pid))
            namespace = os.readlink(f"/proc/{pid}/ns/pid")
        except (OSError, LabError):
            return OFF  # it went off while being read
        addresses = frozenset(
            part.split("/")[0]
            for line in shown.splitlines()
            for i, part in enumerate(line.split())
            if i > 0 and line.split()[i - 1] == "inet"
        )
        return Holdings(addresses, mounts, frozenset(processes_in(namespace)))

    def _pid(self, name: str, required: bool = True) -> int:
        pid = int(self._state(name).get("Pid") or 0)
        if not pid and required:
            raise LabError(f"server '{name}' is off")
        return pid


def _host(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    if done.returncode != 0:
        raise LabError(f"`{' '.join(argv)}` exited {done.returncode}: {done.stderr.strip()[:200]}")
    return done.stdout
