"""Debian packages: installed with apt from the lab's package source (the only source a lab
server has), checked with testinfra's host.package (dpkg's own record)."""

from __future__ import annotations

from pytest_bdd import when

from oat.model.targets import servers
from oat.vocabulary.checks import check, each, sentence


def _seen(server, name: str) -> str:
    """What dpkg has of the package, in words."""
    package = server.host.package(name)
    return f"version {package.version} installed" if package.is_installed else "not installed"


@when(sentence('"{server:q}" にパッケージ "{name:q}" をインストールする'))
def install_package(lab, server, name):
    """Install a package and its dependencies with apt (apt-get install -y) from the lab's package source."""
    for s in servers(lab, server):
        s.check("apt-get update")
        s.check("apt-get install -y %s", name)
        assert s.host.package(name).is_installed, f"{s.name}: apt-get installed {name}, yet dpkg says it is not"


@check('"{server:q}" にパッケージ "{name:q}" がインストールされている')
def package_installed(lab, server, name):
    """The package is installed on the server (any version)."""

    def installed(s):
        assert s.host.package(name).is_installed, f"{s.name}: package {name} is not installed"

    each(lab, server, installed)


@check('"{server:q}" にパッケージ "{name:q}" のバージョン "{version:q}" がインストールされている')
def package_version_installed(lab, server, name, version):
    """This version of the package (as dpkg writes it) is installed on the server."""

    def installed(s):
        package = s.host.package(name)
        assert package.is_installed and package.version == version, (
            f"{s.name}: package {name} is {_seen(s, name)}, expected version {version}"
        )

    each(lab, server, installed)


@check('"{server:q}" にパッケージ "{name:q}" がインストールされていない')
def package_absent(lab, server, name):
    """The package is not installed on the server (removed or never installed)."""

    def absent(s):
        assert not s.host.package(name).is_installed, f"{s.name}: package {name} is {_seen(s, name)}, expected none"

    each(lab, server, absent)
