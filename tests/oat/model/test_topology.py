"""oat.model.topology: parsing a lab topology and the one-line errors that name file and key."""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path

import pytest
import yaml

from oat.errors import LabError
from oat.model.topology import Topology, TopologyError, load, parse

REPO = Path(__file__).resolve().parents[3]

VALID = {
    "name": "demo",
    "description": "  a small lab  ",
    "package_source": "repo",
    "networks": [
        {"name": "ops", "subnet": "10.20.0.0/24"},
        {"name": "back", "subnet": "10.30.0.0/24"},
    ],
    "volumes": [{"name": "share", "description": "shared files"}],
    "servers": [
        {
            "name": "repo",
            "role": "package source",
            "image": "repo",
            "infrastructure": True,
            "addresses": {"ops": "10.20.0.2"},
        },
        {
            "name": "web",
            "role": "web server",
            "image": "server",
            "addresses": {"ops": "10.20.0.10", "back": "10.30.0.10"},
            "mounts": [{"volume": "share", "path": "/srv/share"}],
            "capabilities": ["NET_ADMIN"],
        },
        {"name": "db", "role": "database", "image": "server", "addresses": {"back": "10.30.0.20"}},
    ],
}


def topo(**changes) -> dict:
    data = copy.deepcopy(VALID)
    data.update(changes)
    return data


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "lab.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def load_error(tmp_path: Path, data) -> str:
    path = write(tmp_path, data)
    with pytest.raises(TopologyError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    return message


# --- a valid topology --------------------------------------------------------------------


def test_load_reads_every_part_of_a_valid_topology(tmp_path):
    path = write(tmp_path, VALID)
    t = load(path)
    assert isinstance(t, Topology)
    assert t.name == "demo"
    assert t.description == "a small lab"
    assert t.source == str(path)
    assert t.package_source == "repo"
    assert list(t.networks) == ["ops", "back"]
    assert t.networks["ops"].subnet == ipaddress.IPv4Network("10.20.0.0/24")
    assert list(t.volumes) == ["share"]
    assert t.volumes["share"].description == "shared files"
    assert list(t.servers) == ["repo", "web", "db"]


def test_server_fields_are_parsed():
    web = parse(topo()).server("web")
    assert web.role == "web server"
    assert web.image == "server"
    assert web.addresses == {"ops": "10.20.0.10", "back": "10.30.0.10"}
    assert web.address == "10.20.0.10"  # the first network's address
    assert [(m.volume, m.path) for m in web.mounts] == [("share", "/srv/share")]
    assert web.capabilities == ("NET_ADMIN",)
    assert web.infrastructure is False


def test_optional_server_fields_default_to_empty():
    db = parse(topo()).server("db")
    assert db.mounts == ()
    assert db.capabilities == ()
    assert db.description == ""


def test_network_gateway_is_the_first_host_address():
    assert parse(topo()).networks["ops"].gateway == "10.20.0.1"


def test_images_are_listed_once_and_sorted():
    assert parse(topo()).images() == ["repo", "server"]


def test_procedure_servers_exclude_infrastructure():
    t = parse(topo())
    assert [s.name for s in t.procedure_servers] == ["web", "db"]


def test_volumes_and_package_source_are_optional():
    data = topo()
    del data["volumes"], data["package_source"]
    data["servers"][1].pop("mounts")
    t = parse(data)
    assert t.volumes == {}
    assert t.package_source is None


def test_parse_without_a_file_names_memory_as_source():
    assert parse(topo()).source == "<memory>"


def test_unknown_server_lookup_lists_the_known_servers():
    with pytest.raises(TopologyError) as info:
        parse(topo()).server("mail")
    assert str(info.value) == "unknown server 'mail' in lab 'demo' (known: repo, web, db)"


def test_topology_error_is_a_lab_error():
    assert issubclass(TopologyError, LabError)


# --- the real lab ------------------------------------------------------------------------


def test_the_tengine_topology_loads():
    t = load(REPO / "lab" / "topologies" / "tengine.yaml")
    assert t.name == "tengine"
    assert t.package_source == "repo"
    assert list(t.networks) == ["ops"]
    assert str(t.networks["ops"].subnet) == "10.231.10.0/24"
    assert {name: s.address for name, s in t.servers.items()} == {
        "repo": "10.231.10.2",
        "scm": "10.231.10.11",
        "db": "10.231.10.12",
        "queue": "10.231.10.13",
        "vsp": "10.231.10.14",
        "core": "10.231.10.21",
        "console": "10.231.10.22",
    }
    assert t.server("repo").infrastructure is True
    assert t.server("repo").image == "repo"
    assert [s.name for s in t.procedure_servers] == ["scm", "db", "queue", "vsp", "core", "console"]
    assert all(s.image == "server" for s in t.procedure_servers)
    assert t.images() == ["repo", "server"]


# --- file-level errors -------------------------------------------------------------------


def test_missing_file_is_named(tmp_path):
    path = tmp_path / "absent.yaml"
    with pytest.raises(TopologyError, match="topology file not found") as info:
        load(path)
    assert str(info.value).startswith(f"{path}: ")


def test_bad_yaml_is_reported_on_one_line(tmp_path):
    message = load_error(tmp_path, "name: demo\nnetworks: [unclosed\n")
    assert "not valid YAML" in message


def test_a_file_that_is_not_a_mapping_is_rejected(tmp_path):
    assert "must be a mapping" in load_error(tmp_path, "- just\n- a list\n")


def test_an_empty_file_is_rejected(tmp_path):
    assert "must be a mapping" in load_error(tmp_path, "")


# --- missing fields ----------------------------------------------------------------------


def test_missing_name_is_named(tmp_path):
    data = topo()
    del data["name"]
    assert load_error(tmp_path, data).endswith(": name: is missing")


def test_missing_networks_is_named(tmp_path):
    data = topo()
    del data["networks"]
    assert "networks: must be a non-empty list" in load_error(tmp_path, data)


def test_missing_servers_is_named(tmp_path):
    data = topo(servers=[])
    assert "servers: must be a non-empty list" in load_error(tmp_path, data)


def test_missing_network_subnet_is_named(tmp_path):
    data = topo()
    del data["networks"][1]["subnet"]
    assert "networks[1].subnet: is missing" in load_error(tmp_path, data)


def test_missing_server_role_is_named(tmp_path):
    data = topo()
    del data["servers"][2]["role"]
    assert "servers.db.role: is missing" in load_error(tmp_path, data)


def test_missing_server_name_is_named(tmp_path):
    data = topo()
    del data["servers"][1]["name"]
    assert "servers[1].name: is missing" in load_error(tmp_path, data)


def test_missing_server_addresses_is_named(tmp_path):
    data = topo()
    del data["servers"][2]["addresses"]
    assert "servers.db.addresses: must map network names to addresses" in load_error(tmp_path, data)


def test_missing_mount_path_is_named(tmp_path):
    data = topo()
    del data["servers"][1]["mounts"][0]["path"]
    assert "servers.web.mounts[0].path: is missing" in load_error(tmp_path, data)


def test_a_server_that_is_not_a_mapping_is_named(tmp_path):
    data = topo()
    data["servers"][1] = "web"
    assert "servers[1]: must be a mapping" in load_error(tmp_path, data)


# --- names -------------------------------------------------------------------------------


def test_bad_server_name_is_named(tmp_path):
    data = topo()
    data["servers"][1]["name"] = "Web_1"
    assert "servers[1].name: 'Web_1' must match" in load_error(tmp_path, data)


def test_bad_image_name_is_named(tmp_path):
    data = topo()
    data["servers"][1]["image"] = "debian:bookworm"
    assert "servers.web.image: 'debian:bookworm' must match" in load_error(tmp_path, data)


def test_duplicate_server_is_named(tmp_path):
    data = topo()
    data["servers"][2]["name"] = "web"
    assert "servers[2].name: server 'web' is defined twice" in load_error(tmp_path, data)


def test_duplicate_volume_is_named(tmp_path):
    data = topo(volumes=[{"name": "share"}, {"name": "share"}])
    assert "volumes[1].name: volume 'share' is defined twice" in load_error(tmp_path, data)


# --- networks and addresses --------------------------------------------------------------


def test_a_subnet_that_is_not_ipv4_is_named(tmp_path):
    data = topo()
    data["networks"][0]["subnet"] = "fd00::/64"
    assert "networks[0].subnet: 'fd00::/64' is not an IPv4 subnet" in load_error(tmp_path, data)


def test_a_subnet_too_small_for_a_lab_is_named(tmp_path):
    data = topo()
    data["networks"][0]["subnet"] = "10.20.0.0/30"
    assert "networks[0].subnet: '10.20.0.0/30' is too small for a lab" in load_error(tmp_path, data)


def test_overlapping_subnets_are_named(tmp_path):
    data = topo()
    data["networks"][1]["subnet"] = "10.20.0.128/25"
    message = load_error(tmp_path, data)
    assert "networks[1].subnet: '10.20.0.128/25' overlaps network 'ops'" in message


def test_unknown_network_is_named_with_the_known_ones(tmp_path):
    data = topo()
    data["servers"][2]["addresses"] = {"front": "10.30.0.20"}
    message = load_error(tmp_path, data)
    assert "servers.db.addresses.front: unknown network 'front' (known: ops, back)" in message


def test_an_address_outside_its_subnet_is_named(tmp_path):
    data = topo()
    data["servers"][2]["addresses"] = {"back": "10.20.0.20"}
    message = load_error(tmp_path, data)
    assert "servers.db.addresses.back: 10.20.0.20 is not a host address of 10.30.0.0/24" in message


@pytest.mark.parametrize("address", ["10.30.0.0", "10.30.0.255"])
def test_network_and_broadcast_addresses_are_not_host_addresses(tmp_path, address):
    data = topo()
    data["servers"][2]["addresses"] = {"back": address}
    assert f"servers.db.addresses.back: {address} is not a host address" in load_error(tmp_path, data)


def test_a_malformed_address_is_named(tmp_path):
    data = topo()
    data["servers"][2]["addresses"] = {"back": "10.30.0.300"}
    assert "servers.db.addresses.back: '10.30.0.300' is not an IPv4 address" in load_error(tmp_path, data)


def test_the_gateway_address_is_refused(tmp_path):
    data = topo()
    data["servers"][2]["addresses"] = {"back": "10.30.0.1"}
    message = load_error(tmp_path, data)
    assert "servers.db.addresses.back: 10.30.0.1 is the gateway of network 'back'" in message


def test_a_duplicate_address_names_the_server_that_has_it(tmp_path):
    data = topo()
    data["servers"][2]["addresses"] = {"back": "10.30.0.10"}
    message = load_error(tmp_path, data)
    assert "servers.db.addresses.back: 10.30.0.10 is already the address of server 'web'" in message


# --- mounts, capabilities, package source ------------------------------------------------


def test_a_mount_of_an_unknown_volume_is_named(tmp_path):
    data = topo()
    data["servers"][1]["mounts"] = [{"volume": "logs", "path": "/var/log/x"}]
    assert "servers.web.mounts[0].volume: unknown volume 'logs'" in load_error(tmp_path, data)


def test_a_relative_mount_path_is_named(tmp_path):
    data = topo()
    data["servers"][1]["mounts"] = [{"volume": "share", "path": "srv/share"}]
    assert "servers.web.mounts[0].path: 'srv/share' is not an absolute path" in load_error(tmp_path, data)


@pytest.mark.parametrize("cap", ["net_admin", "NET ADMIN", "N", "--privileged"])
def test_a_bad_capability_is_named(tmp_path, cap):
    data = topo()
    data["servers"][1]["capabilities"] = ["SYS_PTRACE", cap]
    message = load_error(tmp_path, data)
    assert f"servers.web.capabilities[1]: '{cap}' is not a capability name" in message


def test_capabilities_must_be_a_list(tmp_path):
    data = topo()
    data["servers"][1]["capabilities"] = "NET_ADMIN"
    assert "servers.web.capabilities: must be a list" in load_error(tmp_path, data)


def test_all_capabilities_is_accepted():
    data = topo()
    data["servers"][1]["capabilities"] = ["ALL"]
    assert parse(data).server("web").capabilities == ("ALL",)


def test_an_unknown_package_source_is_named(tmp_path):
    data = topo(package_source="mirror")
    message = load_error(tmp_path, data)
    assert "package_source: 'mirror' is not a server of this topology" in message


def test_an_empty_description_stays_empty():
    data = topo(description=None)
    data["servers"][2]["description"] = None
    t = parse(data)
    assert t.description == ""
    assert t.server("db").description == ""


def test_a_quoted_infrastructure_flag_is_refused(tmp_path):
    data = topo()
    data["servers"][1]["infrastructure"] = "false"
    assert "servers.web.infrastructure: 'false' must be true or false (unquoted)" in load_error(tmp_path, data)


# --- what the procedure installs ---------------------------------------------------------------


def test_each_server_lists_its_packages_and_debs():
    data = topo()
    data["servers"][1]["packages"] = ["nginx", "curl"]
    data["servers"][2]["packages"] = ["postgresql", "curl"]
    data["servers"][2]["debs"] = ["debs/app_1.0_all.deb"]
    topology = parse(data)
    assert topology.server("web").packages == ("nginx", "curl")
    assert topology.packages() == ["curl", "nginx", "postgresql"] and topology.debs() == ["debs/app_1.0_all.deb"]


@pytest.mark.parametrize(
    "key, value, problem",
    [
        ("packages", ["nginx; rm -rf /"], "servers.web.packages[0]: 'nginx; rm -rf /' is not a Debian package name"),
        ("packages", "nginx", "servers.web.packages: must be a list"),
        ("debs", ["/abs/x.deb"], "servers.web.debs[0]: '/abs/x.deb' is not a .deb file's path from the project's top"),
        ("debs", ["x.tar.gz"], "servers.web.debs[0]: 'x.tar.gz' is not a .deb file's path from the project's top"),
    ],
)
def test_a_bad_package_or_deb_names_the_key(tmp_path, key, value, problem):
    data = topo()
    data["servers"][1][key] = value
    assert load_error(tmp_path, data).endswith(problem)


def test_a_server_memory_is_read_in_mib():
    data = topo()
    data["servers"][1]["memory"] = "512M"
    data["servers"][2]["memory"] = "2G"
    t = parse(data)
    assert [t.server(s["name"]).memory_mib for s in data["servers"][:3]] == [None, 512, 2048]


@pytest.mark.parametrize("size", ["lots", "0M", "32M", "1T"])
def test_a_bad_memory_size_is_named(tmp_path, size):
    data = topo()
    data["servers"][1]["memory"] = size
    assert "servers.web.memory: '" + size + "'" in load_error(tmp_path, data)
