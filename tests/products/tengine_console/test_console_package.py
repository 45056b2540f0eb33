"""The package as the lab builds it (dpkg-deb --root-owner-group), and its postinst run
against stub commands, so nothing on this machine is touched."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from console_tree import TREE
from tests.products.debs import build, contents, control, dpkg_deb

MODULES = ["__init__", "app", "cli", "config", "errors", "log", "pages", "server", "sessions", "store", "users"]


@pytest.fixture(scope="module")
def deb(tmp_path_factory) -> Path:
    """Built straight from the tree, as oat.drivers.packages does (the version is fixed: 1.1.0)."""
    return build(TREE, tmp_path_factory.mktemp("build") / "tengine-console_1.1.0_all.deb")


def test_the_control_fields(deb):
    assert control(deb, "Package", "Version", "Architecture", "Maintainer", "Depends") == [
        "Package: tengine-console",
        "Version: 1.1.0",
        "Architecture: all",
        "Maintainer: OAT <oat@example.org>",
        "Depends: python3 (>= 3.11), python3-yaml, python3-psycopg2",
    ]
    assert dpkg_deb("-I", str(deb), "conffiles").split() == ["/etc/tengine/console.yml"]


def test_the_files_of_the_contract(deb):
    files, owners = contents(deb)
    for name in ("tengine_console", "tengine_console_passwd"):
        assert files[f"/usr/sbin/{name}"] == "-rwxr-xr-x"
        # Debian's python, started by the kernel from the script: the process is named after it.
        assert (TREE / "usr/sbin" / name).read_text().startswith("#!/usr/bin/python3\n")
    for module in MODULES:
        assert files[f"/usr/lib/tengine-console/tengine_console/{module}.py"] == "-rw-r--r--"
    for path in (
        "/etc/tengine/console.yml",
        "/lib/systemd/system/tengine-console.service",
        "/usr/share/doc/tengine-console/README",
    ):
        assert path in files
    assert not [path for path in files if "__pycache__" in path or path.endswith(".pyc")]
    assert owners == {"root/root"}


def test_the_unit():
    unit = (TREE / "lib/systemd/system/tengine-console.service").read_text().splitlines()
    for line in [
        "After=network-online.target",
        "Type=simple",
        "User=tengine",
        "Group=tengine",
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "ExecStart=/usr/sbin/tengine_console -f /etc/tengine/console.yml",
        "Restart=on-failure",
        "RestartSec=2",
        "WantedBy=multi-user.target",
    ]:
        assert line in unit


def test_the_maintainer_scripts_are_executable_sh():
    for script in ("postinst", "prerm", "postrm"):
        path = TREE / "DEBIAN" / script
        assert os.access(path, os.X_OK), script
        subprocess.run(["sh", "-n", str(path)], check=True)


# --- postinst against stubs ---------------------------------------------------------------

STUBBED = ["adduser", "useradd", "install", "touch", "chown", "chmod", "systemctl"]


def postinst(tmp_path: Path, *args: str, user_exists=False, without=()) -> list[str]:
    """Run postinst with only stub commands on PATH; the commands it ran, one a line."""
    stubs, calls = tmp_path / "bin", tmp_path / "calls"
    stubs.mkdir(exist_ok=True)
    calls.write_text("")
    for name in [n for n in STUBBED if n not in without] + ["getent"]:
        # getent answers whether the tengine account exists; the others only record the call.
        status = 0 if name != "getent" or user_exists else 2
        path = stubs / name
        path.write_text(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\nexit {status}\n')
        path.chmod(0o755)
    result = subprocess.run(
        ["/bin/sh", str(TREE / "DEBIAN" / "postinst"), *args],
        env={"PATH": str(stubs)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return calls.read_text().splitlines()


def test_a_fresh_install_makes_the_account_and_folders_and_enables(tmp_path):
    calls = postinst(tmp_path, "configure", "")
    assert "adduser --system --group --home /var/lib/tengine --no-create-home --quiet tengine" in calls
    assert "install -d -o tengine -g tengine -m 0750 /var/log/tengine" in calls
    assert "install -d -o root -g tengine -m 0750 /etc/tengine/console" in calls
    assert "systemctl enable tengine-console.service" in calls
    assert not [call for call in calls if call.startswith(("systemctl start", "systemctl restart"))]


def test_without_adduser_the_account_is_made_with_useradd(tmp_path):
    calls = postinst(tmp_path, "configure", "", without=["adduser"])
    assert (
        "useradd --system --user-group --home-dir /var/lib/tengine --no-create-home --shell /usr/sbin/nologin tengine"
    ) in calls


def test_an_upgrade_keeps_the_account_and_the_operators_choice(tmp_path):
    calls = postinst(tmp_path, "configure", "1.0.0", user_exists=True)
    assert not [call for call in calls if call.startswith(("adduser", "useradd"))]
    assert "systemctl enable tengine-console.service" not in calls
    assert not [call for call in calls if call.startswith("systemctl start")]
