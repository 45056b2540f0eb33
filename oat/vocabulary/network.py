"""Reachability between servers: can this server open a TCP connection to that one?

The probe runs ON the source server (testinfra's host.addr(...).port(...).is_reachable: `nc -z`
where netcat is installed, else bash's /dev/tcp, with a 1-second limit), so it shows what
the source's own network lets through. The target is a server name or role of the lab (its
address), `localhost`, or an address of the lab's networks or loopback; any other target is
refused in one line, nothing is sent.
"""
from __future__ import annotations

from oat.model.targets import address, check_destination, is_known
from oat.vocabulary.checks import check, each


def _target(lab, target: str) -> str:
    host = address(lab, target) if is_known(lab, target) else target
    return check_destination(lab, host, f"target '{target}'")


def _shown(target: str, host: str, port: int) -> str:
    return f"{target} ({host}) TCP port {port}" if target != host else f"{host} TCP port {port}"


@check('"{source:q}" から "{target:q}" の TCP ポート {port:d} に到達できる')
def reachable(lab, source, target, port):
    """The source server can open a TCP connection to the target's port (a probe run on the source)."""
    host = _target(lab, target)

    def reaches(s):
        assert s.host.addr(host).port(port).is_reachable, f"{s.name}: cannot reach {_shown(target, host, port)}"
    each(lab, source, reaches)


@check('"{source:q}" から "{target:q}" の TCP ポート {port:d} に到達できない')
def unreachable(lab, source, target, port):
    """The source server cannot open a TCP connection to the target's port (refused or no answer within 1 s)."""
    host = _target(lab, target)

    def blocked(s):
        assert not s.host.addr(host).port(port).is_reachable, (
            f"{s.name}: reaches {_shown(target, host, port)}, expected no connection")
    each(lab, source, blocked)
