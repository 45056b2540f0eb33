"""Lab scale: how long a lab of N servers takes to be up (every server booted, systemd
running), how much memory each idle server holds (the RSS of its processes, read on the
host), and what isolation costs at creation (the same lab made again while a first one holds
its subnet, so it moves to a free one).

    .venv/bin/python bench/scale.py [N ...]        (default: 3 8 16 32)

Each lab is made with oat's own Docker lab (the servers the suite uses: Debian 12, systemd,
OpenSSH), measured, and removed, whatever happens.
"""

from __future__ import annotations

import os
import sys
import time

from oat.drivers.docker import lab as labmod  # noqa: E402
from oat.drivers.docker.images import RECIPES, Images  # noqa: E402
from oat.model.topology import parse  # noqa: E402
from oat.procfs import pids_in  # noqa: E402
from oat.record.evidence import Masker, Recorder  # noqa: E402


def topology(count: int, name: str = "scale"):
    return parse(
        {
            "name": name,
            "networks": [{"name": "bench", "subnet": "10.231.90.0/24"}],
            "servers": [
                {"name": f"s{i:02d}", "role": "bench", "image": "server", "addresses": {"bench": f"10.231.90.{10 + i}"}}
                for i in range(count)
            ],
        }
    )


def rss_kib(pid: int) -> int:
    """The RSS of every process in the PID namespace of `pid`, in KiB."""
    total = 0
    for each in pids_in(os.readlink(f"/proc/{pid}/ns/pid")):
        try:
            with open(f"/proc/{each}/status", encoding="utf-8") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
    return total


def make(client, images, count: int, quiet=lambda *_: None, name: str = "scale"):
    lab = labmod.Lab(topology(count, name), client, images, Recorder(Masker()), labmod.new_run_id(), progress=quiet)
    started = time.monotonic()
    try:
        lab.create()
    except BaseException:
        lab.destroy()
        raise
    return lab, time.monotonic() - started


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [3, 8, 16, 32]
    client = labmod.connect()
    images = Images(client, RECIPES, print)
    images.tag("server")  # built once, outside the timings
    rows = []
    for count in sizes:
        lab, took = make(client, images, count)
        try:
            pids = [client.api.inspect_container(s.container)["State"]["Pid"] for s in lab.servers]
            per_server = [rss_kib(pid) / 1024 for pid in pids]
        finally:
            lab.destroy()
        rows.append((count, took, sum(per_server) / len(per_server)))
        print(
            f"{count:3d} servers: up in {took:6.1f} s ({took / count:.2f} s per server); "
            f"idle RSS {rows[-1][2]:.1f} MiB per server",
            flush=True,
        )
    if len(rows) > 1:
        (n0, t0, _), (n1, t1, _) = rows[0], rows[-1]
        print(
            f"growth: {(t1 - t0) / (n1 - n0):.2f} s per added server between {n0} and {n1} "
            f"(linear if the per-server time stays flat); 32-server goal: up in < 60 s"
        )
    # Isolation: the same 3-server lab while another run holds its subnet.
    first, alone = make(client, images, 3, name="scale")
    try:
        second, moved = make(client, images, 3, name="scale")
        try:
            print(
                f"isolation: a 3-server lab up in {alone:.1f} s on its own subnet, {moved:.1f} s when moved "
                f"({', '.join(second.relocation.differences())}); extra {moved - alone:+.1f} s"
            )
        finally:
            second.destroy()
    finally:
        first.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
