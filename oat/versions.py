"""The installed versions for the report: which versions of the products and of the third-party
packages the procedures touched are installed on each server (lab/products/*.yaml `inventory`)."""

from __future__ import annotations

import shlex
from pathlib import Path

from oat.model import yamlfile

QUERY = ["dpkg-query", "-W", "-f=${Package}\\t${Version}\\t${db:Status-Status}\\n"]


def tracked_packages(products: Path) -> list[str]:
    """Every package named under `inventory` in the product files, in first-seen order."""
    found: list[str] = []
    for path in sorted(Path(products).glob("*.yaml")):
        data = yamlfile.read(path, "product file") or {}
        for name in data.get("inventory", []):
            if name not in found:
                found.append(name)
    return found


def parse(output: str) -> dict[str, str]:
    """dpkg-query's lines → {package: version} of the installed ones (unknown names are on
    stderr and absent here)."""
    versions = {}
    for line in output.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[2] == "installed":
            versions[parts[0]] = parts[1]
    return versions


def installed(server, packages: list[str]) -> dict[str, str]:
    """Ask one server (oat.servers.Server, through its backend) which of the packages it has."""
    if not packages:
        return {}
    return parse(server.raw(" ".join(shlex.quote(a) for a in QUERY + packages)).stdout)
