"""Rebooting a server as an operator does (`systemctl reboot`, Server.reboot): the step
returns once the server has booted again (PID 1 started anew, systemd running).

After the reboot the step calls the hook `pytest_oat_after_fault(request, servers, fault)`
(specified in oat/plugin/hooks.py) through `request.node.ihook`, so the conftest.py of the
scenario's feature folder can check what its lab must still hold after a fault (a
cluster's audits: one active node, the floating IP in one place). `servers` are the
rebooted Servers, `fault` one line saying what was done.
"""

from __future__ import annotations

from pytest_bdd import when

from oat.model.safety import disruptive
from oat.model.targets import servers
from oat.vocabulary.checks import sentence

REBOOT_TIMEOUT = 120.0  # seconds for one server to go down and finish booting again


def after_fault(request, hit: list, fault: str) -> None:
    """Let the feature folder's conftest.py check its lab after a fault (no hook, nothing to do)."""
    hook = getattr(request.node.ihook, "pytest_oat_after_fault", None)
    if hook is not None:  # unspecified: then no plugin can implement it either
        hook(request=request, servers=hit, fault=fault)


@when(sentence('"{server:q}" を再起動する'))
@disruptive
def reboot_server(request, lab, server):
    """Reboot the server (each server of a role, one after the other) and wait until it has booted again."""
    hit = servers(lab, server)
    for s in hit:
        s.reboot(REBOOT_TIMEOUT)
    after_fault(request, hit, f"reboot of {', '.join(s.name for s in hit)} (systemctl reboot)")
