"""The package: built from the tree as the lab builds it (dpkg-deb --root-owner-group), and
its postinst run with stand-in commands that record what it would do to the system."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from tengine_tree import TREE
from tests.products.debs import build, contents, control, dpkg_deb

CONTRACT_FILES = [
    "/usr/bin/tengined",
    "/usr/bin/tengine_fire",
    "/etc/tengine/tengined.yml",
    "/lib/systemd/system/tengined.service",
    "/usr/share/doc/tengine-core/README",
    *(
        f"/usr/lib/tengine-core/tengine_core/{name}.py"
        for name in (
            "__init__",
            "cli",
            "config",
            "event",
            "store",
            "bus",
            "handlers",
            "engine",
            "scm",
            "jobnets",
            "pidfiles",
            "connection_test",
            "daemon",
            "logs",
            "ssh",
            "jobs",
            "inprocess",
            "jobtest",
            "run",
        )
    ),
]


@pytest.fixture(scope="module")
def deb(tmp_path_factory) -> Path:
    return build(TREE, tmp_path_factory.mktemp("build") / "tengine-core_1.1.0_all.deb")


def test_the_control_fields(deb):
    fields = ["Package", "Version", "Architecture", "Maintainer", "Depends"]
    assert control(deb, *fields) == [
        "Package: tengine-core",
        "Version: 1.1.0",
        "Architecture: all",
        "Maintainer: OAT <oat@example.org>",
        "Depends: python3 (>= 3.11), python3-yaml, python3-psycopg2, python3-pika, git, openssh-client",
    ]


def test_the_contents(deb):
    listing, owners = contents(deb)
    for path in CONTRACT_FILES:
        assert path in listing, path
    assert listing["/usr/bin/tengined"] == listing["/usr/bin/tengine_fire"] == "-rwxr-xr-x"
    assert owners == {"root/root"}
    assert not [p for p in listing if "__pycache__" in p or p.endswith(".pyc")]


def test_the_config_is_a_conffile(deb):
    assert dpkg_deb("-I", str(deb), "conffiles") == "/etc/tengine/tengined.yml\n"


def test_the_scripts_run_under_their_own_name():
    for name in ("tengined", "tengine_fire"):
        assert (TREE / "usr" / "bin" / name).read_text().startswith("#!/usr/bin/python3\n")


def test_the_unit_file():
    unit = (TREE / "lib" / "systemd" / "system" / "tengined.service").read_text().splitlines()
    for line in [
        "Type=simple",
        "User=tengine",
        "Group=tengine",
        "RuntimeDirectory=tengine",
        "ExecStart=/usr/bin/tengined -k start -f /etc/tengine/tengined.yml --foreground",
        "Restart=on-failure",
        "RestartSec=2",
        "TimeoutStopSec=15",
        "KillSignal=SIGTERM",
        "After=network-online.target",
        "WantedBy=multi-user.target",
    ]:
        assert line in unit, line


@pytest.mark.parametrize("script", ["postinst", "prerm", "postrm"])
def test_the_maintainer_scripts_are_executable_sh(script):
    path = TREE / "DEBIAN" / script
    assert path.stat().st_mode & stat.S_IXUSR
    subprocess.run(["sh", "-n", str(path)], check=True)


# --- postinst with stand-in commands ------------------------------------------------------


def run_postinst(tmp_path: Path, *args: str, known_user: bool = False, with_adduser: bool = True) -> list[str]:
    """Run postinst with PATH holding only stand-ins that log their arguments: the commands
    it would have run on this system."""
    stubs = tmp_path / "stubs"
    stubs.mkdir(exist_ok=True)
    calls = tmp_path / "calls"
    commands = {"getent": 0 if known_user else 2, "useradd": 0, "install": 0, "systemctl": 0}
    if with_adduser:
        commands["adduser"] = 0
    for name, status in commands.items():
        stub = stubs / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> {calls}\nexit {status}\n')
        stub.chmod(0o755)
    result = subprocess.run(
        ["/bin/sh", str(TREE / "DEBIAN" / "postinst"), *args],
        env={"PATH": str(stubs)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return [line for line in calls.read_text().splitlines() if not line.startswith("getent")]


FOLDERS = [
    "install -d -o tengine -g tengine -m 0750 /var/log/tengine",
    "install -d -o tengine -g tengine -m 0750 /var/lib/tengine",
    "install -d -o root -g tengine -m 0750 /etc/tengine/ssh",
]
SYSTEMD_RUNS = Path("/run/systemd/system").is_dir()


def test_a_fresh_install_makes_the_account_and_folders_and_enables_without_starting(tmp_path):
    calls = [c for c in run_postinst(tmp_path, "configure", "") if c != "systemctl daemon-reload"]
    assert calls == [
        "adduser --system --group --home /var/lib/tengine --no-create-home --quiet tengine",
        *FOLDERS,
        "systemctl enable tengined.service",
    ]


def test_without_adduser_useradd_makes_the_account(tmp_path):
    calls = run_postinst(tmp_path, "configure", "", with_adduser=False)
    assert calls[0] == (
        "useradd --system --user-group --home-dir /var/lib/tengine --no-create-home --shell /usr/sbin/nologin tengine"
    )


def test_an_upgrade_keeps_the_account_and_the_operators_enable_choice(tmp_path):
    calls = run_postinst(tmp_path, "configure", "1.0.0", known_user=True)
    restart = ["systemctl daemon-reload", "systemctl try-restart tengined.service"]
    assert calls == FOLDERS + (restart if SYSTEMD_RUNS else [])
