"""The cluster: its configuration rendered from data, its state read from crm_mon, its
audits (each must find what is wrong on every node), roles to nodes."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from oat.cluster import Cluster, audits
from oat.cluster.pacemaker import corosync_conf, group_state, has_dc
from oat.errors import LabError
from oat.model.parts import Parts
from oat.model.products import Product
from oat.model.relocation import Relocation
from oat.model.topology import load

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def product():
    return Product(ROOT / "lab" / "products" / "clweb.yaml")


@pytest.fixture
def parts(product):
    lab = SimpleNamespace(topology=load(ROOT / "lab" / "topologies" / "clweb.yaml"), relocation=Relocation())
    return Parts(product, lab)


def test_corosync_conf_lists_both_nodes_on_two_links_with_two_node_quorum():
    conf = corosync_conf(
        "clweb", [("node1", ["192.168.20.11", "192.168.10.11"]), ("node2", ["192.168.20.12", "192.168.10.12"])]
    )
    assert "cluster_name: clweb" in conf
    assert (
        "name: node1\n        nodeid: 1\n        ring0_addr: 192.168.20.11\n        ring1_addr: 192.168.10.11"
    ) in conf
    assert "nodeid: 2" in conf and "two_node: 1" in conf and "token: 1000" in conf
    # the interconnect (link 0) is preferred; the public LAN carries the heartbeat if it fails
    assert "linknumber: 0\n        knet_link_priority: 2" in conf and "link_mode: passive" in conf


def test_base_configuration_puts_fip_and_disk_in_the_group_at_home(parts):
    crm = parts.template("cluster-base.crm")
    assert "primitive fip ocf:heartbeat:IPaddr2 params ip=192.168.10.13 cidr_netmask=24 nic=eth0" in crm
    assert "device=/dev/oat-shared/export directory=/mnt/export fstype=none options=bind" in crm
    assert "group failover fip disk" in crm
    assert "location failover-home failover 100: node1" in crm  # {{ server:運用系 }}
    # stickiness above the home preference: a group moved or failed over stays put
    assert "resource-stickiness=200 migration-threshold=1" in crm


def test_exec_resource_is_added_stopped_and_monitor_after_it(parts):
    exec_crm, psw_crm = parts.template("cluster-exec.crm"), parts.template("cluster-monitor.crm")
    assert "ocf:clusterpro:exec params script_dir=/opt/nec/clusterpro/scripts/failover/exec" in exec_crm
    assert "target-role=Stopped" in exec_crm and "modgroup failover add exec" in exec_crm
    assert 'ocf:clusterpro:psw params process="clweb_serv*"' in psw_crm
    assert "op monitor interval=1s" in psw_crm and "modgroup failover add psw" in psw_crm


def test_cluster_roles_are_the_topology_roles(parts):
    cluster = Cluster(parts)
    assert cluster.nodes == ["node1", "node2"]
    assert cluster.node("運用系") == "node1" and cluster.node("待機系") == "node2"
    assert cluster.other("node1") == "node2"
    with pytest.raises(LabError, match="'DB' is not a cluster role"):
        cluster.node("DB")
    assert cluster.command("move", node="node2") == "clpgrp -m failover -a node2"


CRM_MON = """<pacemaker-result><nodes>
  <node name="node1" id="1" online="true"/><node name="node2" id="2" online="{n2}"/></nodes>
  <resources><group id="failover">
    <resource id="fip" role="Started"><node name="{where}" id="1"/></resource>
    <resource id="disk" role="{disk_role}"><node name="{where}" id="1"/></resource>
  </group></resources>{failures}</pacemaker-result>"""


def test_group_state_of_a_healthy_group():
    state = group_state(CRM_MON.format(n2="true", where="node1", disk_role="Started", failures=""), "failover")
    assert state.node == "node1" and state.healthy and state.online == ["node1", "node2"]
    assert state.members == {"fip": "Started on node1", "disk": "Started on node1"}


def test_group_state_of_a_half_up_group_has_no_node():
    state = group_state(CRM_MON.format(n2="false", where="node1", disk_role="Stopped", failures=""), "failover")
    assert state.node is None and not state.healthy and state.online == ["node1"]


def test_group_state_lists_recorded_failures():
    failures = '<failures><failure op_key="psw_monitor_1000" node="node1" exitreason="no process"/></failures>'
    state = group_state(CRM_MON.format(n2="true", where="node2", disk_role="Started", failures=failures), "failover")
    assert state.failures == ["psw_monitor_1000 on node1: no process"]


def test_a_missing_product_key_names_file_and_key(product):
    with pytest.raises(LabError, match=r"clweb\.yaml: key 'cluster\.nope' is missing"):
        product["cluster.nope"]


def test_product_secrets_are_the_password_values(product):
    assert product.secrets() == ["Clweb-Op3rator!"]


def test_has_dc():
    assert has_dc('<pacemaker-result><summary><current_dc present="true" name="node1"/></summary></pacemaker-result>')
    assert not has_dc('<pacemaker-result><summary><current_dc present="false"/></summary></pacemaker-result>')


class FakeServer:
    """A node whose command answers are given: {command prefix: (rc, stdout)}."""

    def __init__(self, answers):
        self.answers = answers

    def run(self, command, *args):
        shown = command % args if args else command
        for prefix, (rc, out) in self.answers.items():
            if shown.startswith(prefix):
                return SimpleNamespace(rc=rc, stdout=out, stderr="")
        return SimpleNamespace(rc=1, stdout="", stderr="")


def _cluster(node1, node2, members=None):
    servers = {"node1": FakeServer(node1), "node2": FakeServer(node2)}
    state = SimpleNamespace(online=["node1", "node2"], members=members or {"fip": "Started on node1"})
    return SimpleNamespace(
        nodes=["node1", "node2"],
        fip="192.168.10.13",
        mount="/mnt/export",
        fencing=None,
        server=servers.__getitem__,
        state=lambda: state,
        application=SimpleNamespace(service="jcclweb", processes=("clweb_serv",)),
        product={"cluster.exec.name": "exec"},
    )


HOLDS = (0, "2: eth0    inet 192.168.10.13/24 scope global eth0")
LACKS = (0, "2: eth0    inet 192.168.10.12/24 scope global eth0")


def test_floating_ip_audit_finds_the_address_on_both_nodes():
    both = _cluster({"ip -4": HOLDS}, {"ip -4": HOLDS})
    assert audits.FloatingIp()(both, "node1") == ["node2 holds 192.168.10.13"]
    assert audits.FloatingIp()(_cluster({"ip -4": HOLDS}, {"ip -4": LACKS}), "node1") == []
    assert audits.FloatingIp()(_cluster({"ip -4": LACKS}, {"ip -4": LACKS}), "node1") == ["node1 lacks 192.168.10.13"]


def test_shared_disk_audit_finds_a_second_mount():
    twice = _cluster({"mountpoint": (0, "")}, {"mountpoint": (0, "")})
    assert audits.SharedDisk()(twice, "node1") == ["node2 has /mnt/export mounted"]


def test_group_audit_names_a_resource_elsewhere():
    split = _cluster({}, {}, members={"fip": "Started on node1", "disk": "Started on node2"})
    assert audits.GroupHealthy()(split, "node1") == ["disk is Started on node2, expected Started on node1"]


def test_application_audit_applies_once_exec_is_in_the_group_and_finds_a_second_copy():
    running = {"systemctl is-active": (0, "active"), "pgrep": (0, "123")}
    idle = {"systemctl is-active": (3, "inactive"), "pgrep": (1, "")}
    assert not audits.Application().applies(_cluster(running, idle))
    cluster = _cluster(running, running, members={"fip": "Started on node1", "exec": "Started on node1"})
    assert audits.Application().applies(cluster)
    assert audits.Application()(cluster, "node1") == ["jcclweb also runs on node2 ('active', processes ['clweb_serv'])"]
    assert audits.Application()(_cluster(running, idle), "node1") == []
