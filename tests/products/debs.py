"""Shared by the reference packages' tests: dpkg-deb, and a package built from its tree the
way the lab builds it (--root-owner-group)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def dpkg_deb(*args: str) -> str:
    return subprocess.run(["dpkg-deb", *args], check=True, capture_output=True, text=True).stdout


def build(tree: Path, out: Path) -> Path:
    dpkg_deb("--root-owner-group", "--build", str(tree), str(out))
    return out


def contents(deb: Path) -> tuple[dict[str, str], set[str]]:
    """The package's files as {path: mode string}, and the set of owners they have."""
    rows = [line.split() for line in dpkg_deb("-c", str(deb)).splitlines()]
    return {row[-1].removeprefix("."): row[0] for row in rows}, {row[1] for row in rows}


def control(deb: Path, *fields: str) -> list[str]:
    """The named control fields, one `Name: value` line each."""
    return dpkg_deb("-f", str(deb), *fields).splitlines()
