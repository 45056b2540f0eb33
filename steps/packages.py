"""Steps that install the products, as an operator does: apt from the lab's package source."""
from __future__ import annotations

from pytest_bdd import parsers, then, when

from steps.cluster import SIDES, node_of


def apt_install(server, package: str, version: str) -> None:
    """Install (or update to) one version with apt, and check what dpkg then has."""
    server.check("apt-get update")
    server.check("apt-get install %s=%s" % (package, version))
    installed = server.host.package(package)
    assert installed.is_installed and installed.version == version, (
        f"{server.name}: {package} {version} expected, dpkg has {installed.version if installed.is_installed else 'none'}")


@when(parsers.re(f"{SIDES}に CL/Web をインストールする"))
def install_clweb(lab, product, side):
    apt_install(lab.server(node_of(product, side)), product["clweb.package"], product["clweb.old_version"])


@when(parsers.re(f"{SIDES}の CL/Web をアップデートする"))
def update_clweb(lab, product, side):
    apt_install(lab.server(node_of(product, side)), product["clweb.package"], product["clweb.new_version"])


@then("両系の CL/Web が新しいバージョンである")
def both_sides_updated(lab, product):
    package, version = product["clweb.package"], product["clweb.new_version"]
    for node in (product["cluster.active"], product["cluster.standby"]):
        found = lab.server(node).host.package(package).version
        assert found == version, f"{package} on {node} is {found}, expected {version}"
