"""The package: built from the tree as the lab builds it, and its maintainer scripts run
against a scratch root (DPKG_ROOT), so nothing on this machine is touched."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from jcclweb_tree import TREE
from tests.products.debs import build, dpkg_deb

INSTALLED = "usr/local/jcclweb"


def substituted_tree(dest: Path, version: str) -> Path:
    """The tree with @VERSION@ filled in, as the lab's build does."""
    tree = dest / "jcclweb"
    shutil.copytree(TREE, tree, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for path in (tree / "DEBIAN" / "control", tree / INSTALLED / "VERSION"):
        path.write_text(path.read_text().replace("@VERSION@", version))
    return tree


@pytest.fixture(scope="module")
def deb(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("build")
    out = work / "jcclweb_1.0.0_all.deb"
    build(substituted_tree(work, "1.0.0"), out)
    return out


def test_the_tree_carries_the_version_placeholder():
    assert "Version: @VERSION@\n" in (TREE / "DEBIAN" / "control").read_text()
    assert (TREE / INSTALLED / "VERSION").read_text().strip() == "@VERSION@"


def test_the_control_fields(deb):
    assert dpkg_deb("-f", str(deb), "Package", "Version", "Architecture", "Depends").splitlines() == [
        "Package: jcclweb",
        "Version: 1.0.0",
        "Architecture: all",
        "Depends: python3 (>= 3.11), openssl",
    ]


def test_the_contents(deb):
    listing = {line.split()[-1].removeprefix("."): line.split()[0] for line in dpkg_deb("-c", str(deb)).splitlines()}
    assert listing[f"/{INSTALLED}/bin/clweb_serv"] == "-rwxr-xr-x"
    assert listing[f"/{INSTALLED}/bin/clweb_user"] == "-rwxr-xr-x"
    assert f"/{INSTALLED}/lib/clweb/serve.py" in listing
    assert "/lib/systemd/system/jcclweb.service" in listing
    for folder in ("users", "mypage", "logs", "ssl"):
        assert f"/{INSTALLED}/share/config.default/{folder}/.keep" in listing
    assert not [p for p in listing if p.startswith(f"/{INSTALLED}/config")]  # postinst makes it
    assert not [p for p in listing if "__pycache__" in p or p.endswith(".pyc")]
    owners = {line.split()[1] for line in dpkg_deb("-c", str(deb)).splitlines()}
    assert owners == {"root/root"}


def test_the_installed_version_file(deb, tmp_path):
    dpkg_deb("-x", str(deb), str(tmp_path))
    assert (tmp_path / INSTALLED / "VERSION").read_text() == "1.0.0\n"
    shebang = (tmp_path / INSTALLED / "bin" / "clweb_serv").read_text().splitlines()[0]
    assert shebang == "#!/usr/bin/python3"


def test_the_unit_file():
    unit = (TREE / "lib" / "systemd" / "system" / "jcclweb.service").read_text().splitlines()
    for line in [
        "Description=JobCenter CL/Web Service",
        "Type=simple",
        "Restart=no",
        "ExecStart=/usr/local/jcclweb/bin/clweb_serv",
        "WantedBy=multi-user.target",
    ]:
        assert line in unit


@pytest.mark.parametrize("script", ["postinst", "prerm", "postrm"])
def test_the_maintainer_scripts_are_executable_sh(script):
    path = TREE / "DEBIAN" / script
    assert path.stat().st_mode & stat.S_IXUSR
    subprocess.run(["sh", "-n", str(path)], check=True)


# --- maintainer scripts on a scratch root -----------------------------------------------


@pytest.fixture
def root(tmp_path) -> Path:
    """An installed-but-unconfigured jcclweb under tmp_path (what dpkg unpacks)."""
    scratch = tmp_path / "root"
    shutil.copytree(
        substituted_tree(tmp_path, "2.0.0"), scratch, symlinks=True, ignore=shutil.ignore_patterns("DEBIAN")
    )
    return scratch


def maintainer(root: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(TREE / "DEBIAN" / script), *args],
        env={**os.environ, "DPKG_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=30,
    )


def wants(root: Path) -> Path:
    return root / "etc/systemd/system/multi-user.target.wants/jcclweb.service"


needs_systemctl = pytest.mark.skipif(not shutil.which("systemctl"), reason="no systemctl here")


@needs_systemctl
def test_a_fresh_install_makes_config_and_certificate_and_enables(root):
    result = maintainer(root, "postinst", "configure", "")
    assert result.returncode == 0, result.stderr
    config = root / INSTALLED / "config"
    assert config.is_dir() and not config.is_symlink()
    assert (config / "clweb.conf").read_text() == (root / INSTALLED / "share/config.default/clweb.conf").read_text()
    key = config / "ssl" / "server.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "BEGIN CERTIFICATE" in (config / "ssl" / "server.crt").read_text()
    assert wants(root).is_symlink()  # auto-start registered, as the guide warns
    assert "re-created" not in result.stderr


@needs_systemctl
def test_an_upgrade_keeps_config_certificate_and_disabled_service(root):
    maintainer(root, "postinst", "configure", "")
    wants(root).unlink()  # the guide's step (3): systemctl disable jcclweb
    key = root / INSTALLED / "config/ssl/server.key"
    before = key.read_bytes()
    (root / INSTALLED / "config/users/users.json").write_text("{}")
    result = maintainer(root, "postinst", "configure", "1.0.0")
    assert result.returncode == 0, result.stderr
    assert not wants(root).exists()
    assert key.read_bytes() == before
    assert (root / INSTALLED / "config/users/users.json").exists()


def test_an_upgrade_on_the_standby_recreates_a_dangling_config_link(root):
    """Rolling update step ①: the shared disk is not mounted on the standby."""
    config = root / INSTALLED / "config"
    config.symlink_to(root / "mnt/export/config")
    result = maintainer(root, "postinst", "configure", "1.0.0")
    assert result.returncode == 0, result.stderr
    assert config.is_dir() and not config.is_symlink()
    assert (config / "clweb.conf").is_file() and (config / "ssl/server.key").is_file()
    assert "the config folder was re-created" in result.stderr
    assert f"ln -s {root}/mnt/export/config {config}" in result.stderr


def test_a_working_link_to_the_shared_disk_is_left_alone(root):
    shared = root / "mnt/export/config"
    shutil.copytree(root / INSTALLED / "share/config.default", shared)
    (shared / "ssl/server.crt").write_text("the cluster's certificate")
    (shared / "ssl/server.key").write_text("the cluster's key")
    config = root / INSTALLED / "config"
    config.symlink_to(shared)
    result = maintainer(root, "postinst", "configure", "1.0.0")
    assert result.returncode == 0, result.stderr
    assert config.is_symlink() and os.readlink(config) == str(shared)
    assert (shared / "ssl/server.crt").read_text() == "the cluster's certificate"
    assert result.stderr == ""


def test_a_config_that_is_a_file_stops_the_install(root):
    (root / INSTALLED / "config").write_text("oops")
    result = maintainer(root, "postinst", "configure", "")
    assert result.returncode == 1
    assert result.stderr.strip().endswith("exists but is not a folder; move it away and run: dpkg --configure jcclweb")


def test_purge_removes_the_link_but_not_the_shared_data(root):
    shared = root / "mnt/export/config"
    shutil.copytree(root / INSTALLED / "share/config.default", shared)
    (root / INSTALLED / "config").symlink_to(shared)
    assert maintainer(root, "postrm", "remove").returncode == 0
    assert (root / INSTALLED / "config").is_symlink()  # remove keeps the config
    assert maintainer(root, "postrm", "purge").returncode == 0
    assert not os.path.lexists(root / INSTALLED / "config")
    assert (shared / "clweb.conf").is_file()


@needs_systemctl
def test_remove_drops_the_auto_start(root):
    maintainer(root, "postinst", "configure", "")
    assert maintainer(root, "prerm", "remove").returncode == 0
    assert not wants(root).exists()
