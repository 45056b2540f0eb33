"""Hand servers over as if oat had not made them: Docker labs kept running, described by an
inventory file that reaches them over SSH only (a key made for them, their host keys read
out of band when they were made). The proof that the inventory provisioner works on
servers oat does not manage, and a way to rehearse a real inventory run.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from oat.drivers.base import CommandLog
from oat.drivers.docker import lab as labmod
from oat.drivers.docker.images import RECIPES, Images
from oat.drivers.packages import build_all
from oat.model.project import Project
from oat.model.topology import load

HOST_KEY = "/etc/ssh/ssh_host_ed25519_key.pub"


def up(
    root: Path,
    names: list[str],
    out: Path,
    disposable: bool,
    recorder: CommandLog,
    progress=print,
    packages: str = "existing",
) -> str:
    """Create the labs (kept: no run reaps them), let the new key in as root on every server,
    and write the inventory with its known_hosts next to it; the commands that takes go to
    `recorder`. Returns the run id."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    key = out.parent / "id_ed25519"
    if not key.exists():
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "oat-inventory", "-f", str(key)], check=True
        )
    public = key.with_suffix(".pub").read_text(encoding="utf-8")
    client = labmod.connect()
    images = Images(client, RECIPES, progress, packages=Project(root).package_set())
    run_id = labmod.new_run_id()
    debs = build_all(root / "lab" / "packages", root / ".oat" / "packages" / run_id)
    labs, known = {}, []
    try:
        for name in names:
            lab = labmod.Lab(
                load(root / "lab" / "topologies" / f"{name}.yaml"),
                client,
                images,
                recorder,
                run_id,
                debs=debs,
                progress=progress,
                kept=True,
            )
            lab.create()
            servers = {}
            for server in lab.servers:
                # Other names than the topology's: the procedure finds them by role.
                entry = servers[f"srv-{server.name}"] = {
                    "role": server.spec.role,
                    "addresses": dict(server.spec.addresses),
                    "ssh": {"host": server.address},
                }
                if server.spec.infrastructure:  # the lab's own package source: an address only
                    entry["infrastructure"] = True
                    continue
                server.check("install -d -m 0700 /root/.ssh")
                server.put_file("/root/.ssh/authorized_keys", public, mode=0o600)
                host_key = server.get_file(HOST_KEY).decode().split()
                known.append(f"{server.address} {host_key[0]} {host_key[1]}")
            labs[name] = {
                "networks": {n.name: str(n.subnet) for n in lab.topology.networks.values()},
                "servers": servers,
            }
    except BaseException:
        labmod.remove_run(client, run_id)
        raise
    (out.parent / "known_hosts").write_text("\n".join(known) + "\n", encoding="utf-8")
    out.write_text(
        f"# Servers of run {run_id}, handed over: reached over SSH only. Remove them with\n"
        f"#   python -m oat.cli remove {run_id}\n"
        + yaml.safe_dump(
            {
                "disposable": disposable,
                "known_hosts": "known_hosts",
                "packages": packages,
                "ssh": {"user": "root", "key": key.name},
                "labs": labs,
            },
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return run_id
