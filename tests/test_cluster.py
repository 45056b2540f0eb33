"""The cluster configuration rendered from data, and the group state read from crm_mon."""
from pathlib import Path

import pytest

from oat.cluster import base_configuration, corosync_conf, exec_resource, group_state, process_monitor
from oat.errors import LabError
from oat.products import Product

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def product():
    return Product(ROOT / "lab" / "products" / "clweb.yaml")


def test_corosync_conf_lists_both_nodes_with_two_node_quorum():
    conf = corosync_conf("clweb", [("node1", "192.168.10.11"), ("node2", "192.168.10.12")])
    assert "cluster_name: clweb" in conf
    assert "name: node1\n        nodeid: 1\n        ring0_addr: 192.168.10.11" in conf
    assert "nodeid: 2" in conf and "two_node: 1" in conf and "token: 1000" in conf


def test_base_configuration_puts_fip_and_disk_in_the_group_at_home(product):
    crm = base_configuration(product)
    assert "primitive fip ocf:heartbeat:IPaddr2 params ip=192.168.10.13 cidr_netmask=24" in crm
    assert "device=/dev/oat-shared/export directory=/mnt/export fstype=none options=bind" in crm
    assert "group failover fip disk" in crm
    assert "location failover-home failover 100: node1" in crm
    # stickiness above the home preference: a group moved or failed over stays put
    assert "resource-stickiness=200 migration-threshold=1" in crm


def test_exec_resource_is_added_stopped_and_monitor_after_it(product):
    exec_crm, psw_crm = exec_resource(product), process_monitor(product)
    assert "ocf:clusterpro:exec params script_dir=/opt/nec/clusterpro/scripts/failover/exec" in exec_crm
    assert "target-role=Stopped" in exec_crm and "modgroup failover add exec" in exec_crm
    assert 'ocf:clusterpro:psw params process="clweb_serv*"' in psw_crm
    assert "op monitor interval=1s" in psw_crm and "modgroup failover add psw" in psw_crm


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
