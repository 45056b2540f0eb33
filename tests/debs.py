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
