"""Several runs of the same lab on one engine: a lab uses the document's own subnets whenever
they are free, and moves a network to a free subnet only when another run holds it (what moved
is an oat.model.relocation.Relocation)."""

from __future__ import annotations

import ipaddress

# Where moved networks go: a /24 of this range that no network of the engine overlaps.
POOL = ipaddress.IPv4Network("10.200.0.0/13")


def free_subnet(taken: list[ipaddress.IPv4Network], prefix: int = 24) -> ipaddress.IPv4Network:
    """The first subnet of the pool that overlaps none of `taken`."""
    for candidate in POOL.subnets(new_prefix=prefix):
        if not any(candidate.overlaps(t) for t in taken):
            return candidate
    raise RuntimeError(f"no free /{prefix} left in {POOL}")
