"""The CL/Web guide (seeds/004): its own steps (features/clweb/steps), the cluster they act
on, and what the procedure carries from step to step. The lab, product facts and errata
come from this folder's name (oat/plugin/features.py)."""

import pytest

from features.clweb.steps.cluster import *  # noqa: F401,F403 - step definitions are fixtures
from features.clweb.steps.clweb import *  # noqa: F401,F403
from features.clweb.steps.documents import *  # noqa: F401,F403
from features.clweb.steps.failover import *  # noqa: F401,F403
from features.clweb.steps.faults import *  # noqa: F401,F403
from features.clweb.steps.state import CLWebState
from features.clweb.steps.web import *  # noqa: F401,F403
from oat.cluster import Cluster


@pytest.fixture
def cluster(procedure, per_procedure, parts, lab, product, lab_ca) -> Cluster:
    """The guide's failover cluster on this lab (product data `cluster`), with forced stop
    through the lab's management boards when the lab has them (the Docker lab does; an
    inventory's servers do not, and their fault scenarios are not carried out)."""

    def make() -> Cluster:
        nodes = [parts.server_name(role) for role in product["cluster.nodes"]]
        boards = lab.fencing(lab_ca, product["cluster.fencing.network"], int(product["cluster.fencing.port"]), nodes)
        return Cluster(parts) if boards is None else Cluster(parts, boards)

    return per_procedure.get("cluster", procedure, make)


@pytest.fixture(scope="session")
def clweb_state() -> CLWebState:
    """What the procedure carries from step to step (features/clweb/steps/state.py)."""
    return CLWebState()


def pytest_oat_after_fault(request, servers, fault):
    """Every fault on this lab (a reboot included) is followed by the audits of the whole
    cluster, once it has settled wherever its group now runs."""
    cluster = request.getfixturevalue("cluster")
    cluster.wait_for_formation()
    settled = cluster.wait_for_state(
        lambda s: s.healthy, 60, f"the group did not settle after {fault}", cluster.nodes[0]
    )
    cluster.audit(settled.node)
    return True
