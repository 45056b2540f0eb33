"""RTO benchmark of the CL/Web cluster: median and p95 over N kill -9 failovers.

Builds the cluster with the real procedure (the install scenarios of features/clweb, --keep-lab),
then, N times: kill -9 the clweb_serv whose parent is PID 1 on the active node, and time
until the floating IP's CL/Web API answers from the other node (TLS verified against the
run's lab CA). Removes the lab at the end, whatever happens.

    .venv/bin/python bench/rto.py [N]        (N >= 10, default 10)
"""

from __future__ import annotations

import sys
import time

import docker
import requests
from kept_lab import ROOT, build, describe, remove, sh

from oat.cluster.pacemaker import group_state  # noqa: E402
from oat.model.products import Product  # noqa: E402
from oat.model.topology import load  # noqa: E402
from oat.wait import wait_until  # noqa: E402

PRODUCT = Product(ROOT / "lab" / "products" / "clweb.yaml")
TOPOLOGY = load(ROOT / "lab" / "topologies" / "clweb.yaml")
NODES = [next(s.name for s in TOPOLOGY.servers.values() if s.role == role) for role in PRODUCT["cluster.nodes"]]


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    if rounds < 10:
        sys.exit("bench: at least 10 failovers")
    run_id = build(["features/clweb", "-k", "not kill_9"], "the cluster")
    client = docker.from_env()
    container = {n: f"oat-{run_id}-clweb-{n}" for n in NODES}
    ca = str(ROOT / ".oat" / "ca" / f"{run_id}.pem")
    url = f"https://{PRODUCT['cluster.fip']}{PRODUCT['clweb.api.status']}"
    group, process = PRODUCT["cluster.group"], PRODUCT["clweb.process"]
    samples: list[tuple[str, str, float]] = []
    try:
        first = container[NODES[0]]
        key = sh(client, first, PRODUCT["clweb.api_key"].format(user=PRODUCT["clweb.operator.user"])).split()[-1]

        def answering_node(timeout=0.5):
            try:
                reply = requests.get(url, headers={PRODUCT["clweb.api.key_header"]: key}, verify=ca, timeout=timeout)
                return reply.json()["node"] if reply.status_code == 200 else None
            except requests.RequestException:
                return None

        def settled():
            state = group_state(sh(client, first, PRODUCT["cluster.commands.status"]), group)
            return state if state.healthy and not state.failures else None

        for i in range(rounds):
            state = wait_until(settled, 60, "the cluster did not settle (failures still recorded)", interval=0.5)
            source = state.node
            target = next(n for n in container if n != source)
            pid = sh(
                client, container[source], f"ps -eo pid=,ppid=,comm= | awk '$2==1 && $3==\"{process}\" {{print $1}}'"
            ).split()
            if len(pid) != 1:
                raise RuntimeError(f"expected one {process} with parent PID 1 on {source}, found {pid}")
            killed = time.time()
            sh(client, container[source], f"kill -9 {pid[0]}")
            wait_until(
                lambda: answering_node() == target, 60, f"failover {i + 1} to {target} did not answer", interval=0.05
            )
            rto = time.time() - killed
            samples.append((source, target, rto))
            print(f"failover {i + 1:2d}: {source} -> {target}  RTO {rto:.2f} s", flush=True)
    finally:
        remove(run_id)
    print(describe([s[2] for s in samples], "RTO of kill -9 failovers", "median <= 3 s, p95 <= 5 s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
