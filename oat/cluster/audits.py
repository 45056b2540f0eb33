"""Audits of the whole cluster, as Pacemaker's CTS runs them after every test: each is a small
object that says whether it applies to this cluster now and, given the node that should hold
the group, what it finds wrong (a list of one-line problems; empty when all is well).

They look at every node, not only the one a client reaches: a floating IP held twice or a
second copy of the application is exactly what a client would not notice. A node a fault
took down (`down`) is checked for being really down, and left out of the others.
"""

from __future__ import annotations


class Audit:
    name = "audit"

    def applies(self, cluster) -> bool:
        return True

    def __call__(self, cluster, node: str, down: tuple[str, ...] = ()) -> list[str]:
        raise NotImplementedError


def _up(cluster, down) -> list[str]:
    return [n for n in cluster.nodes if n not in down]


class Membership(Audit):
    """Every node is online in the cluster, but those a fault took down, which are not."""

    name = "membership"

    def __call__(self, cluster, node, down=()):
        online = set(cluster.state().online)
        return [f"{n} is not online" for n in _up(cluster, down) if n not in online] + [
            f"{n} is online although it was taken down" for n in down if n in online
        ]


class PoweredOff(Audit):
    """A node taken down by forced stop is powered off (its board says so)."""

    name = "forced stop"

    def applies(self, cluster):
        return cluster.fencing is not None

    def __call__(self, cluster, node, down=()):
        return [f"{n} is still powered on" for n in down if cluster.fencing.machines.running(n)]


class FloatingIp(Audit):
    """The floating IP is on the group's node and on no other."""

    name = "floating IP"

    def __call__(self, cluster, node, down=()):
        problems = []
        for name in _up(cluster, down):
            held = f" {cluster.fip}/" in cluster.server(name).run("ip -4 -o addr show").stdout
            if held != (name == node):
                problems.append(f"{name} {'holds' if held else 'lacks'} {cluster.fip}")
        return problems


class SharedDisk(Audit):
    """The shared disk is mounted on the group's node and on no other."""

    name = "shared disk"

    def __call__(self, cluster, node, down=()):
        problems = []
        for name in _up(cluster, down):
            mounted = cluster.server(name).run("mountpoint -q %s", cluster.mount).rc == 0
            if mounted != (name == node):
                problems.append(f"{name} {'has' if mounted else 'lacks'} {cluster.mount} mounted")
        return problems


class GroupHealthy(Audit):
    """Every resource of the group is started, on the group's node."""

    name = "resources"

    def __call__(self, cluster, node, down=()):
        state = cluster.state()
        wrong = {r: where for r, where in state.members.items() if where != f"Started on {node}"}
        return [f"{r} is {where}, expected Started on {node}" for r, where in sorted(wrong.items())]


class Application(Audit):
    """The application the group starts runs on the group's node only (once the group holds
    the resource that starts it)."""

    name = "application"

    def applies(self, cluster):
        return cluster.product["cluster.exec.name"] in cluster.state().members

    def __call__(self, cluster, node, down=()):
        spec, problems = cluster.application, []
        for name in _up(cluster, down):
            server = cluster.server(name)
            state = server.run("systemctl is-active %s", spec.service).stdout.strip()
            running = [p for p in spec.processes if server.run("pgrep -x %s", p).rc == 0]
            if name == node and (state != "active" or len(running) != len(spec.processes)):
                problems.append(f"{spec.service} on {name} is '{state}' with processes {running or 'none'}")
            if name != node and (state == "active" or running):
                problems.append(f"{spec.service} also runs on {name} ('{state}', processes {running or 'none'})")
        return problems


ALL: tuple[Audit, ...] = (Membership(), PoweredOff(), FloatingIp(), SharedDisk(), GroupHealthy(), Application())
