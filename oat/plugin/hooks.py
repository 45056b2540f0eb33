"""oat's own pytest hooks (registered by oat.plugin.features)."""


def pytest_oat_after_fault(request, servers, fault):
    """Called after a step has done something disruptive to servers (a reboot, a kill, a link
    cut): `servers` the servers it hit, `fault` one line saying what was done. A procedure
    whose lab has more to check afterwards (a cluster's audits) implements it in its
    conftest.py; call it through `request.node.ihook` so only that folder's conftest answers."""
