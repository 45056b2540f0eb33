"""The lab's hardware as a fault needs it: whatever the lab's driver offers (its `hardware()`;
the Docker lab's is oat.drivers.docker.hardware). A driver without hardware oat may touch (an
inventory's servers) says so in one line."""
from __future__ import annotations

from oat.drivers import base
from oat.drivers.base import OFF, Holdings
from oat.procfs import pids_in

__all__ = ["OFF", "Hardware", "Holdings", "pids_in"]


def Hardware(lab) -> base.Hardware:  # noqa: N802 - the name features/clweb/steps/faults.py calls
    """The hardware of the lab's servers (a one-line LabError when its driver has none)."""
    return lab.hardware()
