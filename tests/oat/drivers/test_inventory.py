"""oat.drivers.inventory: an inventory file read and validated, errors naming file and key,
and the document's servers matched to the inventory's by role."""

from __future__ import annotations

import pytest
import yaml

from oat.drivers import inventory
from oat.drivers.inventory import InventoryError, InventoryLab
from oat.model.topology import parse
from oat.record.evidence import Masker, Recorder

TOPOLOGY = parse(
    {
        "name": "clweb",
        "package_source": "repo",
        "networks": [{"name": "public", "subnet": "192.168.10.0/24"}],
        "servers": [
            {
                "name": "repo",
                "role": "パッケージ取得元",
                "image": "repo",
                "infrastructure": True,
                "addresses": {"public": "192.168.10.2"},
            },
            {"name": "node1", "role": "運用系", "image": "server", "addresses": {"public": "192.168.10.11"}},
            {"name": "node2", "role": "待機系", "image": "server", "addresses": {"public": "192.168.10.12"}},
        ],
    }
)


def servers(**extra):
    return {
        "web01": {"role": "運用系", "addresses": {"public": "10.0.0.11"}, "ssh": {"host": "10.0.0.11"}},
        "web02": {"role": "待機系", "addresses": {"public": "10.0.0.12"}, "ssh": {"host": "10.0.0.12"}},
        **extra,
    }


@pytest.fixture
def write(tmp_path):
    (tmp_path / "id_ed25519").write_text("key", encoding="utf-8")
    (tmp_path / "known_hosts").write_text("10.0.0.11 ssh-ed25519 AAAA\n", encoding="utf-8")

    def write(data=None, **changes):
        data = data or {
            "known_hosts": "known_hosts",
            "ssh": {"user": "root", "key": "id_ed25519"},
            "labs": {"clweb": {"networks": {"public": "10.0.0.0/24"}, "servers": servers()}},
        }
        data.update(changes)
        path = tmp_path / "inventory.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return write


def test_a_valid_inventory_is_read_with_its_defaults(write, tmp_path):
    found = inventory.load(write())
    assert found.disposable is False and found.packages == "existing"
    web01 = found.labs["clweb"].servers[0]
    assert (web01.name, web01.role, web01.addresses) == ("web01", "運用系", {"public": "10.0.0.11"})
    assert web01.ssh.key == str(tmp_path / "id_ed25519") and web01.ssh.user == "root" and web01.ssh.port == 22


@pytest.mark.parametrize(
    "change, message",
    [
        ({"labs": {}}, r"inventory.yaml: labs: must name at least one lab"),
        ({"packages": "rsync"}, r"inventory.yaml: packages: 'rsync' is neither existing nor copy"),
        ({"disposable": "yes"}, r"inventory.yaml: disposable: must be true or false"),
        ({"ssh": {"key": "missing_key"}}, r"inventory.yaml: labs.clweb.servers.web01.ssh.key: no file .*missing_key"),
        ({"known_hosts": None}, r"inventory.yaml: known_hosts: is missing: every server's host key must be verified"),
        ({"colour": "red"}, r"inventory.yaml: colour: unknown key"),
    ],
)
def test_errors_name_the_file_and_the_key(write, change, message):
    with pytest.raises(InventoryError, match=message):
        inventory.load(write(**change))


def test_an_address_outside_its_network_is_named(write):
    data = {
        "known_hosts": "known_hosts",
        "ssh": {"key": "id_ed25519"},
        "labs": {
            "clweb": {
                "networks": {"public": "10.0.0.0/24"},
                "servers": servers(web03={"role": "x", "addresses": {"public": "10.9.9.9"}, "ssh": {"host": "h"}}),
            }
        },
    }
    with pytest.raises(
        InventoryError, match=r"labs.clweb.servers.web03.addresses.public: 10.9.9.9 is not in 10.0.0.0/24"
    ):
        inventory.load(write(data))


def test_a_password_is_refused_and_never_shown(write):
    data = {
        "known_hosts": "known_hosts",
        "ssh": {"key": "id_ed25519", "password": "S3cret-login"},
        "labs": {"clweb": {"networks": {"public": "10.0.0.0/24"}, "servers": servers()}},
    }
    with pytest.raises(InventoryError, match=r"ssh.password: oat logs in with keys only") as refused:
        inventory.load(write(data))
    assert "S3cret-login" not in str(refused.value)
    assert inventory._secrets(data) == ["S3cret-login"]  # masked in every record, had it reached one


def test_the_document_s_servers_are_found_by_role(write, tmp_path):
    recorder = Recorder(Masker())
    lab = InventoryLab(inventory.load(write()), TOPOLOGY, recorder, "run1", tmp_path / "work")
    assert lab.server("node1").spec.description == "web01" and lab.server("node2").address == "10.0.0.12"
    assert lab.topology.package_source is None  # the inventory has no package-source server
    assert "Host oat-node1\n  HostName 10.0.0.11" in lab.config.read_text(encoding="utf-8")
    assert "StrictHostKeyChecking yes" in lab.config.read_text(encoding="utf-8")
    assert lab.server("node1").target == "ssh://oat-node1"


def test_a_role_no_server_has_is_named(write, tmp_path):
    data = {
        "known_hosts": "known_hosts",
        "ssh": {"key": "id_ed25519"},
        "labs": {"clweb": {"networks": {"public": "10.0.0.0/24"}, "servers": {"web01": servers()["web01"]}}},
    }
    with pytest.raises(
        InventoryError, match=r"labs.clweb: no server\(s\) with role 待機系; the procedure needs 1 \(node2\)"
    ):
        InventoryLab(inventory.load(write(data)), TOPOLOGY, Recorder(Masker()), "run1", tmp_path / "work")


def test_a_lab_the_inventory_lacks_is_named(write, tmp_path):
    other = parse(
        {
            **{
                "name": "tengine",
                "networks": [{"name": "ops", "subnet": "10.231.10.0/24"}],
                "servers": [{"name": "db", "role": "DB", "image": "server", "addresses": {"ops": "10.231.10.12"}}],
            }
        }
    )
    with pytest.raises(
        InventoryError, match=r"labs: no lab 'tengine' \(the features of features/tengine need its roles: DB\)"
    ):
        InventoryLab(inventory.load(write()), other, Recorder(Masker()), "run1", tmp_path / "work")


def test_two_labs_of_one_run_keep_their_own_ssh_config(write, tmp_path):
    other = parse(
        {
            "name": "solo",
            "networks": [{"name": "ops", "subnet": "10.1.0.0/24"}],
            "servers": [{"name": "db", "role": "DB", "image": "server", "addresses": {"ops": "10.1.0.12"}}],
        }
    )
    data = {
        "known_hosts": "known_hosts",
        "ssh": {"key": "id_ed25519"},
        "labs": {
            "clweb": {"networks": {"public": "10.0.0.0/24"}, "servers": servers()},
            "solo": {
                "networks": {"ops": "10.1.0.0/24"},
                "servers": {"db01": {"role": "DB", "addresses": {"ops": "10.1.0.12"}, "ssh": {"host": "10.1.0.12"}}},
            },
        },
    }
    found = inventory.load(write(data))
    first = InventoryLab(found, TOPOLOGY, Recorder(Masker()), "run1", tmp_path / "work")
    InventoryLab(found, other, Recorder(Masker()), "run1", tmp_path / "work")
    assert "Host oat-node1" in first.config.read_text(encoding="utf-8")
