"""The failover cluster as one object: its nodes (found by role), its state, building it,
configuring it, moving its group, and auditing it (oat/cluster/audits.py).

Everything the cluster stack is asked is product data (lab/products/NAME.yaml `cluster`:
commands, files, configuration templates); what the answers mean is read by the stack's
module (oat/cluster/pacemaker.py). Steps say what the document says and call this.
"""

from __future__ import annotations

import ipaddress
import re

from oat.cluster import audits as audit_catalogue
from oat.cluster.pacemaker import GroupState, corosync_conf, group_state, has_dc
from oat.errors import LabError
from oat.wait import wait_until


class Cluster:
    def __init__(self, parts, fencing=None):
        """`fencing`: the endpoint of the servers' management boards (oat/fencing.py), when
        the lab has one; without it the cluster is built without forced stop."""
        self.parts = parts
        self.fencing = fencing
        self.product = parts.product
        self.lab = parts.lab
        self.roles: list[str] = list(self.product["cluster.nodes"])
        self.nodes: list[str] = [parts.server_name(role) for role in self.roles]
        self.group: str = self.product["cluster.group"]
        self.fip: str = self.product["cluster.fip"]
        self.mount: str = self.product["cluster.disk.mount"]
        self.application = parts.part(self.product["cluster.application"])

    def __repr__(self) -> str:
        return f"<Cluster {self.product['cluster.name']} {'/'.join(self.nodes)}>"

    # --- who is who -------------------------------------------------------------------

    def node(self, role: str) -> str:
        """The server name of a role of the cluster (運用系, 待機系)."""
        if role not in self.roles:
            raise LabError(
                f"{self.product.path}: '{role}' is not a cluster role (cluster.nodes: {', '.join(self.roles)})"
            )
        return self.nodes[self.roles.index(role)]

    def other(self, node: str) -> str:
        return next(n for n in self.nodes if n != node)

    def server(self, node: str):
        return self.lab.server(node)

    def link_addresses(self, node: str) -> list[str]:
        """The node's address on each network the cluster talks over (cluster.links, in
        link order); a network the node is not on is a one-line error."""
        spec = self.server(node).spec
        missing = [net for net in self.product["cluster.links"] if net not in spec.addresses]
        if missing:
            raise LabError(
                f"{self.product.path}: cluster.links names {', '.join(missing)}, but server '{node}' "
                f"of lab '{self.lab.topology.name}' is only on {', '.join(spec.addresses)}"
            )
        return [spec.addresses[net] for net in self.product["cluster.links"]]

    def command(self, key: str, **fields) -> str:
        return self.product[f"cluster.commands.{key}"].format(group=self.group, **fields)

    # --- state ------------------------------------------------------------------------

    def state(self) -> GroupState:
        """The group's state as the first node that answers sees it (a node a fault took down
        does not answer at all)."""
        for node in self.nodes:
            try:
                result = self.server(node).run(self.command("status"))
            except LabError:
                continue
            if result.rc == 0:
                return group_state(result.stdout, self.group)
        raise LabError(f"no node of cluster '{self.product['cluster.name']}' answers `{self.command('status')}`")

    def status_text(self, node: str) -> str:
        """The state as the operator reads it (clpstat), for failure messages."""
        try:
            return self.server(node).run(self.command("status_text")).stdout.strip()
        except LabError as exc:
            return str(exc)

    def wait_for_state(self, accept, timeout: float, problem: str, node: str, interval: float = 0.2):
        """Poll the group's state until `accept(state)`; on timeout say `problem`, the last state
        seen and the operator's status on `node`."""
        found = {}

        def accepted():
            try:
                found["s"] = self.state()
            except LabError as exc:  # the stack can miss an answer mid-transition: poll on
                found["s"] = str(exc)
                return None
            return found["s"] if accept(found["s"]) else None

        return wait_until(
            accepted, timeout, lambda: f"{problem}: {found.get('s')}\n{self.status_text(node)}", interval=interval
        )

    def wait_for_group(self, node: str, timeout: float = 60) -> GroupState:
        return self.wait_for_state(
            lambda s: s.node == node and s.healthy, timeout, f"group '{self.group}' is not running on {node}", node
        )

    def wait_for_formation(self) -> None:
        """Every node online and a DC elected."""

        def formed() -> bool:
            try:
                out = self.server(self.nodes[0]).run(self.command("status"))
            except LabError:  # still booting
                return False
            return (
                out.rc == 0
                and has_dc(out.stdout)
                and set(group_state(out.stdout, self.group).online) == set(self.nodes)
            )

        def why() -> str:
            return f"cluster '{self.product['cluster.name']}' did not form: " + " | ".join(
                f"{n}: {self.status_text(n).splitlines()[:6]}" for n in self.nodes
            )

        wait_until(formed, float(self.product["cluster.formation_timeout"]), why, interval=1.0)

    # --- building and configuring -----------------------------------------------------

    def build(self) -> None:
        """corosync.conf and one shared authkey on every node, the stack started, the
        cluster formed, then the base configuration (the group with fip and disk)."""
        self.check_floating_ip()
        files = self.product["cluster.files"]
        conf = corosync_conf(
            self.product["cluster.name"],
            [(n, self.link_addresses(n)) for n in self.nodes],
            token_ms=int(self.product["cluster.token_ms"]),
        )
        first = self.server(self.nodes[0])
        first.check(self.command("keygen"))
        authkey = first.get_file(files["authkey"])
        for node in self.nodes:
            server = self.server(node)
            server.check(self.command("reset"))
            server.put_file(files["config"], conf)
            server.put_file(files["authkey"], authkey, mode=0o400)
            server.check("mkdir -p %s" % self.mount)
        first.check("mkdir -p %s" % self.product["cluster.disk.device"])
        for node in self.nodes:
            self.server(node).check(self.command("start"))
        self.wait_for_formation()
        self.configure("base")
        if self.fencing is not None:
            self.set_up_fencing()

    def set_up_fencing(self) -> None:
        """Each node's client certificate for the boards, then the fencing configuration:
        forced stop, ping NP and public LAN monitoring (cluster.configuration.fencing)."""
        paths = self.product["cluster.fencing.files"]
        for node in self.nodes:
            files = self.fencing.client_files(node)
            server = self.server(node)
            server.put_file(paths["ca"], files["ca"])
            server.put_file(paths["cert"], files["cert"])
            server.put_file(paths["key"], files["key"], mode=0o600)
        self.configure("fencing")

    def configure(self, name: str) -> None:
        """Apply one configuration template (cluster.configuration.NAME) as one transaction:
        nothing runs half-configured."""
        template = self.product[f"cluster.configuration.{name}"]
        text = self.parts.template(template)
        path = f"/root/{template}"
        server = self.server(self.nodes[0])
        server.put_file(path, f"configure\n{text}commit\n")
        server.check(self.command("configure", file=path))
        server.check(self.command("settle"))

    def check_floating_ip(self) -> None:
        """The floating IP must be a free host address of a network this lab created."""
        fip = ipaddress.IPv4Address(self.fip)
        topology = self.lab.topology
        nets = [n for n in topology.networks.values() if fip in n.subnet]
        if not nets:
            raise LabError(
                f"{self.product.path}: cluster.fip {fip} is in no network of lab '{topology.name}' "
                f"({', '.join(f'{n.name} {n.subnet}' for n in topology.networks.values())})"
            )
        taken = {a: s.name for s in topology.servers.values() for a in s.addresses.values()}
        if str(fip) in taken or str(fip) == nets[0].gateway:
            raise LabError(
                f"{self.product.path}: cluster.fip {fip} is already the address of {taken.get(str(fip), 'the gateway')}"
            )

    # --- operations -------------------------------------------------------------------

    def move(self, node: str) -> None:
        """Move the group to `node`, asked of the other node; returns once it runs there."""
        self.server(self.other(node)).check(self.command("move", node=node))

    def start_resource(self, resource: str) -> None:
        self.server(self.nodes[0]).check(self.command("start_resource", resource=resource))

    def parameter(self, node: str, resource: str, name: str) -> str:
        return self.server(node).check(self.command("parameter", resource=resource, name=name)).strip()

    def located_on(self, node: str, resource: str) -> list[str]:
        answer = self.server(node).check(self.command("locate", resource=resource))
        return re.findall(self.product["cluster.commands.located_on"], answer)

    # --- audits -----------------------------------------------------------------------

    def audit(self, node: str, down: tuple[str, ...] = ()) -> None:
        """Every applicable audit agrees with 'the group runs on NODE' and 'the nodes in
        DOWN are down' (CTS: after every fault and every move); one AssertionError lists
        every problem found."""
        problems = [
            f"{audit.name}: {p}"
            for audit in audit_catalogue.ALL
            if audit.applies(self)
            for p in audit(self, node, down)
        ]
        gone = f", {', '.join(down)} down" if down else ""
        assert not problems, f"cluster audit (group expected on {node}{gone}): " + "; ".join(problems)
