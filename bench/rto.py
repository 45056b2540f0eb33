"""RTO benchmark of the CL/Web cluster: median and p95 over N kill -9 failovers.

Builds the cluster with the real procedure (the install scenarios of features/clweb, --keep-lab),
then, N times: kill -9 the clweb_serv whose parent is PID 1 on the active node, and time
until the floating IP's CL/Web API answers from the other node (TLS verified against the
run's lab CA). Removes the lab at the end, whatever happens.

    .venv/bin/python bench/rto.py [N]        (N >= 10, default 10)
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import docker
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oat import lab as labmod  # noqa: E402
from oat.cluster import group_state  # noqa: E402
from oat.products import Product  # noqa: E402
from oat.wait import wait_until  # noqa: E402

PRODUCT = Product(ROOT / "lab" / "products" / "clweb.yaml")
OUT = ROOT / ".oat" / "bench"


def sh(client, container: str, command: str) -> str:
    result = client.containers.get(container).exec_run(["sh", "-c", command])
    if result.exit_code != 0:
        raise RuntimeError(f"{container}: `{command}` exited {result.exit_code}: {result.output.decode()[-300:]}")
    return result.output.decode()


def build_cluster() -> str:
    """Run the install feature with --keep-lab; return the kept lab's run id."""
    before = set(labmod.runs(labmod.connect()))
    OUT.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [str(ROOT / ".venv/bin/pytest"), "features/clweb", "-k", "not kill_9", "--keep-lab", "-q",
         f"--html={OUT / 'report.html'}", f"--junitxml={OUT / 'junit.xml'}", f"--cucumberjson={OUT / 'cucumber.json'}"],
        cwd=ROOT)
    new = set(labmod.runs(labmod.connect())) - before
    if done.returncode != 0 or len(new) != 1:
        for run_id in new:
            labmod.remove_run(labmod.connect(), run_id)
        sys.exit(f"bench: building the cluster failed (pytest exit {done.returncode})")
    return new.pop()


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    if rounds < 10:
        sys.exit("bench: at least 10 failovers")
    run_id = build_cluster()
    client = docker.from_env()
    container = {n: f"oat-{run_id}-clweb-{n}" for n in (PRODUCT["cluster.active"], PRODUCT["cluster.standby"])}
    ca = str(ROOT / ".oat" / "ca" / f"{run_id}.pem")
    url = f"https://{PRODUCT['cluster.fip']}/api/v1/status"
    group, process = PRODUCT["cluster.group"], PRODUCT["clweb.process"]
    samples: list[tuple[str, str, float]] = []
    try:
        first = container[PRODUCT["cluster.active"]]
        key = sh(client, first, f"{PRODUCT['clweb.user_tool']} apikey {PRODUCT['clweb.operator.user']}").split()[-1]

        def answering_node(timeout=0.5):
            try:
                reply = requests.get(url, headers={"X-CLWeb-Api-Key": key}, verify=ca, timeout=timeout)
                return reply.json()["node"] if reply.status_code == 200 else None
            except requests.RequestException:
                return None

        def settled():
            state = group_state(sh(client, first, "crm_mon --output-as=xml"), group)
            return state if state.healthy and not state.failures else None

        for i in range(rounds):
            state = wait_until(settled, 60, "the cluster did not settle (failures still recorded)", interval=0.5)
            source = state.node
            target = next(n for n in container if n != source)
            pid = sh(client, container[source],
                     f"ps -eo pid=,ppid=,comm= | awk '$2==1 && $3==\"{process}\" {{print $1}}'").split()
            if len(pid) != 1:
                raise RuntimeError(f"expected one {process} with parent PID 1 on {source}, found {pid}")
            killed = time.time()
            sh(client, container[source], f"kill -9 {pid[0]}")
            wait_until(lambda: answering_node() == target, 60, f"failover {i + 1} to {target} did not answer",
                       interval=0.05)
            rto = time.time() - killed
            samples.append((source, target, rto))
            print(f"failover {i + 1:2d}: {source} -> {target}  RTO {rto:.2f} s", flush=True)
    finally:
        problems = labmod.remove_run(labmod.connect(), run_id)
        Path(ca).unlink(missing_ok=True)
        print(f"lab {run_id} removed" + (f" (problems: {problems})" if problems else ""))
    values = sorted(s[2] for s in samples)
    p95 = values[max(0, int(round(0.95 * len(values))) - 1)]
    print(f"RTO over {len(values)} kill -9 failovers: median {statistics.median(values):.2f} s, "
          f"p95 {p95:.2f} s, min {values[0]:.2f} s, max {values[-1]:.2f} s (target: median <= 3 s, p95 <= 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
