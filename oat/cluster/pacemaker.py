"""What oat needs to know of the Pacemaker/Corosync stack itself (the reference CLUSTERPRO
runs on it): corosync.conf from the nodes' addresses, and the group's state read from
crm_mon's XML. Kept apart from running so it can be tested without a lab; the commands
that produce and consume these are product data (lab/products/NAME.yaml `cluster.commands`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass


def corosync_conf(cluster_name: str, nodes: list[tuple[str, list[str]]], token_ms: int = 1000) -> str:
    """Two nodes with two_node quorum, each on one knet link per network given (the first is
    link 0: the interconnect first, the public LAN as the backup path); token in ms."""

    def node(i: int, name: str, addresses: list[str]) -> str:
        rings = "".join(f"        ring{link}_addr: {addr}\n" for link, addr in enumerate(addresses))
        return f"    node {{\n        name: {name}\n        nodeid: {i}\n{rings}    }}\n"

    entries = "".join(node(i, name, addrs) for i, (name, addrs) in enumerate(nodes, start=1))
    links = len(nodes[0][1]) if nodes else 1
    interfaces = "".join(
        f"    interface {{\n        linknumber: {link}\n        knet_link_priority: {links - link}\n    }}\n"
        for link in range(links)
    )
    return (
        "totem {\n    version: 2\n"
        f"    cluster_name: {cluster_name}\n"
        "    transport: knet\n"
        "    link_mode: passive\n"
        f"    token: {token_ms}\n"
        "    crypto_cipher: aes256\n    crypto_hash: sha256\n"
        f"{interfaces}}}\n"
        f"nodelist {{\n{entries}}}\n"
        "quorum {\n    provider: corosync_votequorum\n"
        f"    two_node: {1 if len(nodes) == 2 else 0}\n}}\n"
        "logging {\n    to_logfile: yes\n    logfile: /var/log/corosync/corosync.log\n"
        "    to_syslog: yes\n    timestamp: on\n}\n"
    )


@dataclass(frozen=True)
class GroupState:
    node: str | None  # where every member runs, or None
    members: dict[str, str]  # resource -> "Started on NODE" / "Stopped"
    online: list[str]  # online nodes
    failures: list[str]  # failed operations still recorded

    @property
    def healthy(self) -> bool:
        return self.node is not None and all(v.startswith("Started") for v in self.members.values())


def group_state(crm_mon_xml: str, group: str) -> GroupState:
    """The group's state from `crm_mon --output-as=xml`."""
    root = ET.fromstring(crm_mon_xml)
    online = [n.get("name") for n in root.findall("nodes/node") if n.get("online") == "true"]
    failures = [
        f"{f.get('op_key')} on {f.get('node')}: {f.get('exitreason') or f.get('exitstatus')}"
        for f in root.iter("failure")
    ]
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
    node = (
        nodes.pop() if len(nodes) == 1 and members and all(v.startswith("Started") for v in members.values()) else None
    )
    return GroupState(node, members, online, failures)


def has_dc(crm_mon_xml: str) -> bool:
    """The cluster has elected its designated controller (it can take decisions)."""
    dc = next(ET.fromstring(crm_mon_xml).iter("current_dc"), None)
    return dc is not None and dc.get("present") == "true"
