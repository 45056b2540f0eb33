"""The failover cluster of the CL/Web guide on Pacemaker/Corosync: configuration from data.

Rendering is kept apart from running so it can be tested without a lab: corosync.conf from
the topology's node addresses, and the crm shell configuration of the failover group from
the product data (lab/products/clweb.yaml).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass


def corosync_conf(cluster_name: str, nodes: list[tuple[str, str]], token_ms: int = 1000) -> str:
    """Two nodes with two_node quorum (no quorum device); token 1000 ms for a quick takeover."""
    entries = "".join(
        f"    node {{\n        name: {name}\n        nodeid: {i}\n        ring0_addr: {addr}\n    }}\n"
        for i, (name, addr) in enumerate(nodes, start=1)
    )
    return (
        "totem {\n    version: 2\n"
        f"    cluster_name: {cluster_name}\n"
        "    transport: knet\n"
        f"    token: {token_ms}\n"
        "    crypto_cipher: aes256\n    crypto_hash: sha256\n}\n"
        f"nodelist {{\n{entries}}}\n"
        "quorum {\n    provider: corosync_votequorum\n"
        f"    two_node: {1 if len(nodes) == 2 else 0}\n}}\n"
        "logging {\n    to_logfile: yes\n    logfile: /var/log/corosync/corosync.log\n"
        "    to_syslog: yes\n    timestamp: on\n}\n"
    )


def base_configuration(product) -> str:
    """Cluster properties and the failover group with its floating IP and disk (guide (1)(2)).

    No fencing device exists in the lab (stonith off, as the guide's two-server example has
    no fencing either); migration-threshold=1 makes one failure move the whole group, and a
    short failure-timeout lets it fail back later. Stickiness above the home preference
    keeps the group where it runs until it is moved or fails.
    """
    c = lambda key: product[f"cluster.{key}"]  # noqa: E731
    return "\n".join([
        "property stonith-enabled=false no-quorum-policy=ignore cluster-recheck-interval=5s",
        "rsc_defaults resource-stickiness=200 migration-threshold=1 failure-timeout=5s",
        f"primitive fip ocf:heartbeat:IPaddr2 params ip={c('fip')} cidr_netmask={c('netmask')} nic=eth0"
        " op monitor interval=1s timeout=20s",
        f"primitive disk ocf:heartbeat:Filesystem params device={c('disk.device')} directory={c('disk.mount')}"
        " fstype=none options=bind op monitor interval=5s timeout=40s",
        f"group {c('group')} fip disk",
        f"location {c('group')}-home {c('group')} 100: {c('active')}",
        "",
    ])


def exec_resource(product) -> str:
    """The exec resource added to the group (guide (11) ①–③), stopped: the guide starts it
    from the operation mode in (12)."""
    c = lambda key: product[f"cluster.{key}"]  # noqa: E731
    return "\n".join([
        f"primitive {c('exec.name')} ocf:clusterpro:exec params script_dir={c('exec.scripts')}"
        f" group={c('group')} home={c('active')} disk={c('disk.mount')}"
        " op monitor interval=10s timeout=20s meta target-role=Stopped",
        f"modgroup {c('group')} add {c('exec.name')}",
        "",
    ])


def process_monitor(product) -> str:
    """The process name monitor (guide (11) ④–⑨): in the group after exec, so it watches only
    while the group is active (活性時); one failure fails the group over."""
    c = lambda key: product[f"cluster.{key}"]  # noqa: E731
    return "\n".join([
        f"primitive {c('monitor.name')} ocf:clusterpro:psw params process=\"{c('monitor.process')}\""
        f" op monitor interval={c('monitor.interval')} timeout=20s",
        f"modgroup {c('group')} add {c('monitor.name')}",
        "",
    ])


@dataclass(frozen=True)
class GroupState:
    node: str | None          # where every member runs, or None
    members: dict[str, str]   # resource -> "Started on NODE" / "Stopped"
    online: list[str]         # online nodes
    failures: list[str]       # failed operations still recorded

    @property
    def healthy(self) -> bool:
        return self.node is not None and all(v.startswith("Started") for v in self.members.values())


def group_state(crm_mon_xml: str, group: str) -> GroupState:
    """The group's state from `crm_mon --output-as=xml`."""
    root = ET.fromstring(crm_mon_xml)
    online = [n.get("name") for n in root.findall("nodes/node") if n.get("online") == "true"]
    failures = [f"{f.get('op_key')} on {f.get('node')}: {f.get('exitreason') or f.get('exitstatus')}"
                for f in root.iter("failure")]
    members: dict[str, str] = {}
    nodes: set[str] = set()
    for g in root.iter("group"):
        if g.get("id") != group:
            continue
        for r in g.iter("resource"):
            on = [n.get("name") for n in r.iter("node")]
            if r.get("role") == "Started" and on:
                members[r.get("id")] = f"Started on {on[0]}"
                nodes.update(on)
            else:
                members[r.get("id")] = r.get("role") or "Stopped"
    node = nodes.pop() if len(nodes) == 1 and members and all(
        v.startswith("Started") for v in members.values()) else None
    return GroupState(node, members, online, failures)
