"""The package as the lab builds it (dpkg-deb --root-owner-group), and its maintainer scripts
run against stub commands that record what they would do, so nothing here is touched."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from agent_tree import TREE
from tests.products.debs import build, contents, control, dpkg_deb

SCRIPTS = [
    "/usr/bin/tengine_job_agent_run",
    "/usr/bin/tengine_job_agent_watchdog",
    "/usr/bin/tengine_job_agent_kill",
    "/usr/sbin/tengine_job_agentd",
    "/usr/share/tengine-job-agent/jobtest.sh",
]
MODULES = [
    "__init__",
    "agentd",
    "cli",
    "config",
    "errors",
    "event",
    "job",
    "kill",
    "logs",
    "publisher",
    "run",
    "watchdog",
]
SYSTEMD_RUNS = Path("/run/systemd/system").is_dir()


@pytest.fixture(scope="module")
def deb(tmp_path_factory) -> Path:
    return build(TREE, tmp_path_factory.mktemp("build") / "tengine-job-agent_1.1.0_all.deb")


def test_the_control_fields(deb):
    assert control(deb, "Package", "Version", "Architecture", "Maintainer", "Depends") == [
        "Package: tengine-job-agent",
        "Version: 1.1.0",
        "Architecture: all",
        "Maintainer: OAT <oat@example.org>",
        "Depends: python3 (>= 3.11), python3-yaml, python3-pika",
    ]
    assert dpkg_deb("-I", str(deb), "conffiles").split() == ["/etc/tengine_job_agent.yml"]


def test_the_files_of_the_contract(deb):
    files, owners = contents(deb)
    for path in SCRIPTS:
        assert files[path] == "-rwxr-xr-x", path
    for module in MODULES:
        assert files[f"/usr/lib/tengine-job-agent/tengine_job_agent/{module}.py"] == "-rw-r--r--"
    for path in (
        "/etc/tengine_job_agent.yml",
        "/lib/systemd/system/tengine-job-agent.service",
        "/usr/share/doc/tengine-job-agent/README",
    ):
        assert files[path] == "-rw-r--r--", path
    assert not [path for path in files if "__pycache__" in path or path.endswith(".pyc")]
    assert owners == {"root/root"}


def test_the_python_scripts_run_under_their_own_names():
    for path in SCRIPTS[:4]:
        assert (TREE / path.lstrip("/")).read_text().startswith("#!/usr/bin/python3\n"), path


def test_the_job_test_script():
    result = subprocess.run(
        [str(TREE / "usr/share/tengine-job-agent/jobtest.sh")], capture_output=True, text=True, timeout=10
    )
    assert (result.returncode, result.stdout) == (0, "tengine jobtest\n")


def test_the_unit():
    unit = (TREE / "lib/systemd/system/tengine-job-agent.service").read_text().splitlines()
    for line in [
        "After=network-online.target",
        "Type=notify",
        "User=tengine",
        "Group=tengine",
        "ExecStart=/usr/sbin/tengine_job_agentd -c /etc/tengine_job_agent.yml",
        "Restart=on-failure",
        "KillSignal=SIGTERM",
        "WantedBy=multi-user.target",
    ]:
        assert line in unit, line


@pytest.mark.parametrize("script", ["postinst", "prerm", "postrm"])
def test_the_maintainer_scripts_are_executable_sh(script):
    path = TREE / "DEBIAN" / script
    assert os.access(path, os.X_OK)
    subprocess.run(["sh", "-n", str(path)], check=True)


# --- maintainer scripts against stubs ------------------------------------------------------

STUBBED = ["adduser", "useradd", "install", "systemctl"]


def maintainer_script(tmp_path: Path, script: str, *args: str, user_exists=False, without=()) -> list[str]:
    """Run a DEBIAN script with only stub commands on PATH; the commands it ran."""
    stubs, calls = tmp_path / "bin", tmp_path / "calls"
    stubs.mkdir(exist_ok=True)
    calls.write_text("")
    for name in [n for n in STUBBED if n not in without] + ["getent"]:
        status = 0 if name != "getent" or user_exists else 2  # getent: does tengine exist?
        path = stubs / name
        path.write_text(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\nexit {status}\n')
        path.chmod(0o755)
    result = subprocess.run(
        ["/bin/sh", str(TREE / "DEBIAN" / script), *args],
        env={"PATH": str(stubs)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return [
        call
        for call in calls.read_text().splitlines()
        if not call.startswith("getent") and call != "systemctl daemon-reload"
    ]


def test_a_fresh_install_makes_the_login_account_and_the_log_dir_and_enables(tmp_path):
    assert maintainer_script(tmp_path, "postinst", "configure", "") == [
        "adduser --system --group --home /home/tengine --shell /bin/bash --no-create-home --quiet tengine",
        "install -d -o tengine -g tengine -m 0750 /home/tengine",
        "install -d -o tengine -g tengine -m 0755 /var/log/tengine_job_agent",
        "systemctl enable tengine-job-agent.service",
    ]


def test_without_adduser_useradd_makes_the_account(tmp_path):
    calls = maintainer_script(tmp_path, "postinst", "configure", "", without=["adduser"])
    assert calls[0] == (
        "useradd --system --user-group --home-dir /home/tengine --shell /bin/bash --no-create-home tengine"
    )


def test_an_account_made_before_is_left_as_it_is(tmp_path):
    """tengine-core's, say: a system account with its home in /var/lib/tengine."""
    calls = maintainer_script(tmp_path, "postinst", "configure", "", user_exists=True)
    assert calls == [
        "install -d -o tengine -g tengine -m 0755 /var/log/tengine_job_agent",
        "systemctl enable tengine-job-agent.service",
    ]


def test_an_upgrade_keeps_the_operators_choice_and_restarts_a_running_agent(tmp_path):
    calls = maintainer_script(tmp_path, "postinst", "configure", "1.0.0", user_exists=True)
    restart = ["systemctl try-restart tengine-job-agent.service"] if SYSTEMD_RUNS else []
    assert calls == ["install -d -o tengine -g tengine -m 0755 /var/log/tengine_job_agent", *restart]


def test_remove_stops_the_agent_and_drops_its_auto_start(tmp_path):
    stop = ["systemctl stop tengine-job-agent.service"] if SYSTEMD_RUNS else []
    assert maintainer_script(tmp_path, "prerm", "remove") == [*stop, "systemctl disable tengine-job-agent.service"]
    assert maintainer_script(tmp_path, "prerm", "upgrade", "1.1.0") == []
