"""oat.drivers.docker.relocation: the subnet a lab takes when its document's is in use, and a
subnet the engine refuses left at once."""

import ipaddress
from pathlib import Path

from oat.drivers.docker.relocation import POOL, free_subnet
from oat.model.topology import load

ROOT = Path(__file__).resolve().parents[4]


def test_a_free_subnet_overlaps_nothing_taken():
    taken = [ipaddress.IPv4Network("10.200.0.0/24"), ipaddress.IPv4Network("10.200.2.0/23")]
    assert free_subnet(taken) == ipaddress.IPv4Network("10.200.1.0/24")
    assert free_subnet([]) in POOL.subnets(new_prefix=24)


class _Refusing:
    """An engine that lists no network but refuses the first subnet asked for (another run
    is reserving it right now), as the engine does between two runs' create calls."""

    def __init__(self):
        import docker.errors

        self.asked, self.error = [], docker.errors.APIError
        self.api = type("Api", (), {"networks": lambda _: []})()
        self.networks = self

    def create(self, name, ipam=None, **_):
        subnet = ipam["Config"][0]["Subnet"]
        self.asked.append(subnet)
        if len(self.asked) == 1:
            raise self.error("403", explanation="Pool overlaps with other one on this address space")
        return type("Made", (), {"id": "0123456789abcdef"})()


def test_a_subnet_the_engine_refuses_is_left_at_once_even_when_it_lists_nothing():
    from oat.drivers.docker import lab as labmod
    from oat.record.evidence import Masker, Recorder

    engine = _Refusing()
    lab = labmod.Lab(load(ROOT / "lab/topologies/nginx.yaml"), engine, None, Recorder(Masker()), "t1", progress=str)
    lab._like_a_lan = lambda _: None  # no host bridge here
    lab._create_network(lab.topology.networks["service"])
    assert engine.asked == ["10.231.30.0/24", "10.200.0.0/24"]
    assert lab.relocation.differences() == ["service: 手順書の 10.231.30.0/24 は使用中のため 10.200.0.0/24 を使用"]
