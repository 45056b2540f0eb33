"""What reaching a server over SSH costs against `docker exec`: the same command on the same
server, N times through each transport (one SSH connection per server, reused).

    .venv/bin/python bench/transport.py 50

Makes the clweb lab, hands it over as an inventory (oat.cli up), times `true` on node1
through testinfra's docker backend and through the inventory's SSH backend, prints the
median and p95 of each, and removes the lab. Whole-folder wall times through each transport
are printed by bin/acceptance and bin/inventory-proof.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import testinfra

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oat.drivers import inventory  # noqa: E402
from oat.drivers.docker import handover  # noqa: E402
from oat.drivers.docker import lab as labmod  # noqa: E402
from oat.drivers.inventory import InventoryLab  # noqa: E402
from oat.model.topology import load  # noqa: E402
from oat.record.evidence import Masker, Recorder  # noqa: E402


def timed(run, rounds: int) -> list[float]:
    values = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = run("true")
        values.append(time.perf_counter() - started)
        if result.rc != 0:
            raise SystemExit(f"bench: `true` exited {result.rc}")
    return sorted(values)


def line(name: str, values: list[float]) -> str:
    p95 = values[max(0, int(round(0.95 * len(values))) - 1)]
    return (
        f"{name:<12} median {statistics.median(values) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
        f"min {values[0] * 1000:6.1f} ms  ({len(values)} commands)"
    )


def main() -> int:
    rounds = max(int(sys.argv[1]) if len(sys.argv) > 1 else 50, 10)
    with tempfile.TemporaryDirectory(prefix="oat-bench-") as work:
        path = Path(work) / "inventory.yaml"
        run_id = handover.up(
            ROOT, ["clweb"], path, disposable=False, recorder=Recorder(Masker()), progress=lambda m: None
        )
        try:
            container = f"oat-{run_id}-clweb-node1"
            docker_host = testinfra.get_host(f"docker://{container}")
            lab = InventoryLab(
                inventory.load(path),
                load(ROOT / "lab/topologies/clweb.yaml"),
                Recorder(Masker()),
                run_id,
                Path(work) / "ssh",
            )
            ssh = lab.server("node1")
            ssh.check_alive()  # opens the one connection the rest reuse
            docker_times = timed(docker_host.backend.run, rounds)
            ssh_times = timed(ssh.raw, rounds)
            print(line("docker exec", docker_times))
            print(line("ssh", ssh_times))
            print(f"ssh / docker exec: {statistics.median(ssh_times) / statistics.median(docker_times):.2f}x")
            lab.destroy()
        finally:
            labmod.remove_run(labmod.connect(), run_id)
            print(f"lab {run_id} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
