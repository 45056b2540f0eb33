"""The package as the lab builds it (dpkg-deb --root-owner-group)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support_tree import TREE
from tests.products.debs import build, contents, control

MODULES = ["__init__", "archive", "cli", "collect", "commands", "files", "index", "masking"]


@pytest.fixture(scope="module")
def deb(tmp_path_factory) -> Path:
    return build(TREE, tmp_path_factory.mktemp("build") / "tengine-support_1.1.0_all.deb")


def test_the_control_fields(deb):
    assert control(deb, "Package", "Version", "Architecture", "Maintainer", "Depends") == [
        "Package: tengine-support",
        "Version: 1.1.0",
        "Architecture: all",
        "Maintainer: OAT <oat@example.org>",
        "Depends: python3 (>= 3.11), python3-yaml",
    ]


def test_the_files_of_the_contract(deb):
    files, owners = contents(deb)
    assert files["/usr/sbin/tengine_support_report"] == "-rwxr-xr-x"
    assert (TREE / "usr/sbin/tengine_support_report").read_text().startswith("#!/usr/bin/python3\n")
    for module in MODULES:
        assert files[f"/usr/lib/tengine-support/tengine_support/{module}.py"] == "-rw-r--r--"
    assert files["/usr/share/doc/tengine-support/README"] == "-rw-r--r--"
    assert not [path for path in files if "__pycache__" in path or path.endswith(".pyc")]
    assert owners == {"root/root"}
    assert not (TREE / "DEBIAN" / "conffiles").exists()  # a tool: nothing to configure
