"""Steps that install the products, as an operator does: apt from the lab's package source."""
from __future__ import annotations

from pytest_bdd import parsers, when

from steps.cluster import SIDES, node_of


@when(parsers.re(f"{SIDES}に CL/Web をインストールする"))
def install_clweb(lab, product, side):
    server = lab.server(node_of(product, side))
    package, version = product["clweb.package"], product["clweb.old_version"]
    server.check("apt-get update")
    server.check("apt-get install %s=%s" % (package, version))
    installed = server.host.package(package)
    assert installed.is_installed and installed.version == version, (
        f"{server.name}: {package} {version} expected, dpkg has {installed.version if installed.is_installed else 'none'}")
