"""A lab moved off its document's subnets keeps every host part, and everything that names
one of its addresses is translated with it (and nothing else is). (The subnet a lab takes when its document's is in use:
tests/oat/drivers/docker/test_subnets.py.)"""

import ipaddress
from pathlib import Path

from oat.model.products import Product
from oat.model.relocation import Relocation, relocate
from oat.model.topology import load

ROOT = Path(__file__).resolve().parents[3]
NEW = ipaddress.IPv4Network("10.200.3.0/24")


def test_a_moved_network_keeps_host_parts_and_leaves_the_others():
    topology, relocation = relocate(load(ROOT / "lab/topologies/clweb.yaml"), {"public": NEW})
    assert topology.networks["public"].subnet == NEW and topology.networks["public"].gateway == "10.200.3.1"
    assert topology.servers["node1"].addresses == {"public": "10.200.3.11", "interconnect": "192.168.20.11"}
    assert relocation.differences() == ["public: 手順書の 192.168.10.0/24 は使用中のため 10.200.3.0/24 を使用"]


def test_text_and_values_are_translated_only_within_moved_networks():
    relocation = Relocation({"public": (ipaddress.IPv4Network("192.168.10.0/24"), NEW)})
    assert relocation.text("ip=192.168.10.13 cidr 192.168.10.0/24 other 192.168.20.11 v1.192.168.10.1x") == (
        "ip=10.200.3.13 cidr 10.200.3.0/24 other 192.168.20.11 v1.192.168.10.1x"
    )
    assert relocation.value({"a": ["192.168.10.2"], "n": 5}) == {"a": ["10.200.3.2"], "n": 5}
    assert not Relocation() and Relocation().text("192.168.10.13") == "192.168.10.13"


def test_product_facts_follow_the_lab():
    product = Product(ROOT / "lab/products/clweb.yaml")
    assert product["cluster.fip"] == "192.168.10.13"
    product.on(Relocation({"public": (ipaddress.IPv4Network("192.168.10.0/24"), NEW)}))
    assert product["cluster.fip"] == "10.200.3.13"
