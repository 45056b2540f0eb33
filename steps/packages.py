"""Steps that install the products, as an operator does: apt from the lab's package source."""
from __future__ import annotations

from pytest_bdd import parsers, then, when

from steps.cluster import SIDES, node_of

# A part of a product (lab/products/*.yaml `parts`) named twice: "DB サーバに DB を…".
PART = r"(?P<part>\S+) サーバ"
SAME_PART = r"(?P=part) "


def apt_install(server, package: str, version: str | None = None) -> None:
    """Install (or update to) a package, one version if given, with apt from the lab's
    package source; then check what dpkg has."""
    server.check("apt-get update")
    server.check("apt-get install %s" % (f"{package}={version}" if version else package))
    installed = server.host.package(package)
    assert installed.is_installed and (version is None or installed.version == version), (
        f"{server.name}: {package} {version or ''} expected, dpkg has {installed.version if installed.is_installed else 'none'}")


@when(parsers.re(f"{PART}に {SAME_PART}をインストールする"))
def install_part(parts, part):
    for server in parts.servers(part):
        apt_install(server, parts.part(part).package)


@when(parsers.re(f"{PART}の {SAME_PART}をセットアップする"))
def set_up_part(parts, lab_ca, part):
    for server in parts.servers(part):
        parts.set_up(part, server, lab_ca)


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
