"""Server placeholders: a server's address (as the lab runs it) and host name in a step's text."""

from __future__ import annotations

import ipaddress

import pytest

from oat.model.placeholders import PlaceholderError, check_servers, expand_servers
from oat.model.topology import Network, Server, Topology


def topology(**moved) -> Topology:
    lan = Network("service", ipaddress.ip_network("10.231.30.0/24"))
    ic = Network("interconnect", ipaddress.ip_network("10.231.31.0/24"))
    servers = {
        "web": Server(
            "web", "Webサーバ", "server", {"service": moved.get("web", "10.231.30.11"), "interconnect": "10.231.31.11"}
        ),
        "db1": Server("db1", "DB", "server", {"service": "10.231.30.21"}),
        "db2": Server("db2", "DB", "server", {"service": "10.231.30.22"}),
    }
    return Topology("demo", "", {"service": lan, "interconnect": ic}, servers)


def hostname(name: str) -> str:
    return f"{name}.example"


def test_addresses_and_host_names_are_filled_in():
    text = "curl http://{web.address}/ && ping -c1 {web.address.interconnect} && ssh {Webサーバ.host} && psql -h {db2.address}"
    assert expand_servers(text, topology(), hostname, "f:1") == (
        "curl http://10.231.30.11/ && ping -c1 10.231.31.11 && ssh web.example && psql -h 10.231.30.22"
    )


def test_a_relocated_lab_gives_the_moved_address():
    assert expand_servers("{web.address}", topology(web="10.200.0.11"), hostname, "f:1") == "10.200.0.11"


@pytest.mark.parametrize(
    "text",
    [
        "echo ${web.address}",
        "awk '{print $1}'",
        '{"web": {"address": 1}}',
        "{secret.DB_PASSWORD}",
        "{web.port}",
    ],
)
def test_what_is_not_a_server_placeholder_is_left_as_it_is(text):
    assert expand_servers(text, topology(), hostname, "f:1") == text
    check_servers(text, topology(), "f:1")


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "curl http://{wbe.address}/",
            "f:7: {wbe.address} names no server or role of lab 'demo' (servers: web, db1, db2; roles: Webサーバ, DB)",
        ),
        (
            "psql -h {DB.address}",
            "f:7: {DB.address}: role 'DB' of lab 'demo' has 2 servers (db1, db2): name one of them",
        ),
        (
            "{db1.address.interconnect}",
            "f:7: {db1.address.interconnect}: server 'db1' is not on network 'interconnect' (its networks: service)",
        ),
    ],
)
def test_a_placeholder_that_names_no_server_is_one_line_naming_the_place(text, message):
    with pytest.raises(PlaceholderError) as error:
        check_servers(text, topology(), "f:7")
    assert str(error.value) == message and error.value.exit_code == 7
