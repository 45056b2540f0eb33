"""oat.sockets: `ss` output read into sockets, with and without the State column."""

from __future__ import annotations

from oat.sockets import Socket, held_by, parse

LISTEN = """\
LISTEN 0      5      192.168.10.13:443        0.0.0.0:*    users:(("clweb_serv",pid=812,fd=3),("clweb_serv",pid=830,fd=3))
LISTEN 0      128          0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=77,fd=3))
LISTEN 0      128             [::]:22            [::]:*    users:(("sshd",pid=77,fd=4))
LISTEN 0      5                  *:8443             *:*    users:(("clweb_serv",pid=812,fd=9))
"""
ESTABLISHED = """\
0      0         10.231.10.21:41234    10.231.10.12:5432  users:(("tengined",pid=55,fd=7))
0      0         10.231.10.21:50110    10.231.10.13:5672  users:(("tengined",pid=55,fd=9))
0      0    [::ffff:10.231.10.21]:22 [::ffff:10.231.10.1]:40000 users:(("sshd",pid=90,fd=4))
"""


def test_listening_sockets_with_their_processes():
    sockets = parse(LISTEN)
    assert sockets[0] == Socket(("192.168.10.13", 443), ("0.0.0.0", None), frozenset({"clweb_serv"}))
    assert sockets[2].local == ("::", 22)
    assert sockets[3].local == ("*", 8443)
    assert [s.local for s in held_by(sockets, ["clweb_serv"])] == [("192.168.10.13", 443), ("*", 8443)]


def test_established_connections_without_the_state_column():
    sockets = parse(ESTABLISHED)
    assert [(s.peer, sorted(s.processes)) for s in held_by(sockets, ["tengined"])] == [
        (("10.231.10.12", 5432), ["tengined"]),
        (("10.231.10.13", 5672), ["tengined"]),
    ]
    assert sockets[2].local == ("10.231.10.21", 22)  # an IPv4 peer of a dual-stack socket


UNNAMED = """\
0      0      10.231.10.21:41388 10.231.10.12:5432  timer:(keepalive,072ms,0) uid:102 ino:532688 sk:1025 cgroup:unreachable:5041 <->
0      0      10.231.10.21:41390 10.231.10.12:5432  uid:0 ino:532689 sk:1026 <->
LISTEN 0      128       0.0.0.0:22    0.0.0.0:* users:(("sshd",pid=33,fd=3)) uid:0 ino:492495 sk:71 <->
"""


def test_where_ss_cannot_name_the_holder_the_socket_s_owner_tells():
    sockets = parse(UNNAMED)
    assert sockets[0].uid == 102 and sockets[0].processes == frozenset()
    assert [s.local for s in held_by(sockets, ["tengined"], uids={102})] == [("10.231.10.21", 41388)]
    assert held_by(sockets, ["tengined"], uids=set()) == []
    assert [s.local for s in held_by(sockets, ["sshd"])] == [("0.0.0.0", 22)]  # named by ss: no uid needed


def test_a_socket_reads_as_local_peer_and_holders():
    assert str(parse(LISTEN)[2]) == "[::]:22 ⇄ [::]:* (sshd)"


def test_lines_without_two_addresses_are_skipped():
    assert parse("State Recv-Q\n\n") == []
