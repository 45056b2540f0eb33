"""oat.drivers.ansible_inventory: an Ansible inventory (INI or YAML) read by ansible-core as
oat's inventory: groups are roles, the ansible_* connection variables honoured, oat_disposable,
servers of one role matched by name or oat_server (never by order), errors in one line naming
the file and the host. Also: which format a file is, and oat's own format matching by name or
`server:` too."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from test_inventory import TOPOLOGY as CLWEB  # clweb: 運用系 node1, 待機系 node2, the package source repo

from oat.drivers import inventory
from oat.drivers.inventory import InventoryError, InventoryLab
from oat.model.topology import parse
from oat.record.evidence import Masker, Recorder

# A role with two servers: which host is which must be said.
PG = parse(
    {
        "name": "pg",
        "networks": [{"name": "db", "subnet": "10.0.5.0/24"}],
        "servers": [
            {"name": "primary", "role": "DB", "image": "server", "addresses": {"db": "10.0.5.11"}},
            {"name": "standby", "role": "DB", "image": "server", "addresses": {"db": "10.0.5.12"}},
            {"name": "app", "role": "アプリ", "image": "server", "addresses": {"db": "10.0.5.20"}},
        ],
    }
)


@pytest.fixture
def write(tmp_path):
    (tmp_path / "id_ed25519").write_text("key", encoding="utf-8")
    (tmp_path / "known_hosts").write_text("192.168.10.11 ssh-ed25519 AAAA\n", encoding="utf-8")

    def write(text: str, name: str = "hosts") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def lab(path, topology=CLWEB):
    return InventoryLab(inventory.load(path), topology, Recorder(Masker()), "run1", path.parent / "work")


INI = """\
    [運用系]
    web1 ansible_host=192.168.10.11 ansible_port=2222 ansible_user=deploy ansible_ssh_private_key_file={key}

    [待機系]
    web2 ansible_host=192.168.10.12

    [all:vars]
    oat_known_hosts=known_hosts
    ansible_become=true
    """


def test_an_ini_inventory_s_groups_are_the_roles_and_its_variables_how_ssh_reaches_them(write, tmp_path):
    path = write(INI.format(key=tmp_path / "id_ed25519"))
    found = inventory.load(path)
    assert (found.kind, found.disposable, found.packages, found.known_hosts) == (
        "ini",
        False,
        "existing",
        str(tmp_path / "known_hosts"),
    )
    made = lab(path)
    node1, node2 = made.names["node1"], made.names["node2"]
    assert (node1.name, node1.role, node1.addresses) == ("web1", "運用系", {"public": "192.168.10.11"})
    assert node1.ssh == inventory.Ssh(
        host="192.168.10.11", port=2222, user="deploy", key=str(tmp_path / "id_ed25519"), sudo=True
    )
    assert node2.ssh == inventory.Ssh(host="192.168.10.12", port=22, user="", key="", sudo=True)
    config = made.config.read_text(encoding="utf-8")
    assert (
        "Host oat-node1\n  HostName 192.168.10.11\n  Port 2222\n  User deploy\n"
        f"  IdentityFile {tmp_path / 'id_ed25519'}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {tmp_path / 'known_hosts'}\n  StrictHostKeyChecking yes\n"
    ) in config
    # no ansible_user, no key: ssh's own defaults (the local user, ~/.ssh's keys and the agent), as Ansible's ssh
    assert "Host oat-node2\n  HostName 192.168.10.12\n  Port 22\n  UserKnownHostsFile" in config
    assert made.topology.servers["node1"].description == "web1" and "repo" not in made.topology.servers


def test_a_yaml_inventory_with_templates_children_and_group_vars(write, tmp_path):
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text("oat_known_hosts: known_hosts\noat_packages: copy\n")
    path = write(
        """\
        all:
          vars:
            keys: "{{ inventory_dir }}"
          children:
            clweb:
              children:
                運用系:
                  hosts:
                    web1:
                      ansible_host: "192.168.10.{{ 10 + 1 }}"
                      ansible_ssh_private_key_file: "{{ keys }}/id_ed25519"
                待機系:
                  hosts:
                    web2: {ansible_host: 192.168.10.12, ansible_port: 2200, ansible_user: ops}
        """,
        "hosts.yml",
    )
    found = inventory.load(path)
    assert (found.kind, found.packages) == ("yaml", "copy")
    made = lab(path)
    assert made.names["node1"].ssh.host == "192.168.10.11"
    assert made.names["node1"].ssh.key == str(tmp_path / "id_ed25519")
    assert (made.names["node2"].ssh.port, made.names["node2"].ssh.user) == (2200, "ops")


@pytest.mark.parametrize("value, disposable", [("true", True), ("yes", True), ("false", False), (None, False)])
def test_oat_disposable_says_what_disposable_says_in_oat_s_format(write, value, disposable):
    path = write(
        INI.format(key="").replace("ansible_ssh_private_key_file=", "") + (f"oat_disposable={value}\n" if value else "")
    )
    assert inventory.load(path).disposable is disposable


def test_disposable_is_said_of_the_whole_inventory(write):
    path = write("""\
        [運用系]
        web1 ansible_host=192.168.10.11 oat_disposable=true
        [待機系]
        web2 ansible_host=192.168.10.12
        [all:vars]
        oat_known_hosts=known_hosts
        """)
    with pytest.raises(InventoryError) as mixed:
        inventory.load(path)
    assert str(mixed.value) == (
        f"{path}: host 'web2': oat_disposable is false where host 'web1' has true: it is said "
        "of the whole inventory (as oat's own format says it once): set it under all: vars"
    )


def test_a_disposable_that_is_no_boolean_is_named(write):
    path = write(
        "[運用系]\nweb1 ansible_host=192.168.10.11\n[all:vars]\noat_known_hosts=known_hosts\noat_disposable=maybe\n"
    )
    with pytest.raises(InventoryError, match=r"hosts: host 'web1': oat_disposable: 'maybe' must be true or false$"):
        inventory.load(path)


PG_INI = """\
    [DB]
    {db}
    [アプリ]
    app ansible_host=10.0.5.20
    [all:vars]
    oat_known_hosts=known_hosts
    """


def test_servers_of_one_role_are_matched_by_name(write):
    made = lab(write(PG_INI.format(db="standby ansible_host=10.0.5.12\nprimary ansible_host=10.0.5.11")), PG)
    assert made.names["primary"].ssh.host == "10.0.5.11" and made.names["standby"].ssh.host == "10.0.5.12"


def test_servers_of_one_role_are_matched_by_oat_server(write):
    made = lab(
        write(
            PG_INI.format(
                db="pg-b ansible_host=10.0.5.12 oat_server=standby\npg-a ansible_host=10.0.5.11 oat_server=primary"
            )
        ),
        PG,
    )
    assert made.names["primary"].name == "pg-a" and made.names["standby"].name == "pg-b"


def test_the_last_server_of_a_role_is_the_one_left(write):
    made = lab(
        write(PG_INI.format(db="pg-b ansible_host=10.0.5.12 oat_server=standby\npg-a ansible_host=10.0.5.11")), PG
    )
    assert made.names["primary"].name == "pg-a"


def test_servers_of_one_role_are_never_matched_by_order(write):
    path = write(PG_INI.format(db="pg-a ansible_host=10.0.5.11\npg-b ansible_host=10.0.5.12"))
    with pytest.raises(InventoryError) as ambiguous:
        lab(path, PG)
    assert str(ambiguous.value) == (
        f"{path}: host 'pg-a': role DB has 2 servers in lab 'pg' (primary, standby) and nothing says which one "
        "pg-a is: set oat_server: primary (or another of them) on it, or name it after one"
    )


@pytest.mark.parametrize(
    "db, message",
    [
        (
            "pg-a ansible_host=10.0.5.11 oat_server=replica\npg-b ansible_host=10.0.5.12",
            "host 'pg-a': oat_server: 'replica' is no server of role DB in lab 'pg' (its servers of that role: primary, "
            "standby)",
        ),
        (
            "pg-a ansible_host=10.0.5.11 oat_server=primary\npg-b ansible_host=10.0.5.12 oat_server=primary",
            "host 'pg-b': oat_server: 'primary' is said by pg-a too (role DB): one inventory server each",
        ),
    ],
)
def test_an_oat_server_that_names_no_free_server_is_named(write, db, message):
    path = write(PG_INI.format(db=db))
    with pytest.raises(InventoryError) as wrong:
        lab(path, PG)
    assert str(wrong.value) == f"{path}: {message}"


def test_a_group_named_after_the_lab_keeps_it_to_its_hosts(write):
    path = write("""\
        [運用系]
        web1 ansible_host=192.168.10.11
        old1 ansible_host=192.168.10.91
        [待機系]
        web2 ansible_host=192.168.10.12
        [clweb]
        web1
        web2
        [all:vars]
        oat_known_hosts=known_hosts
        """)
    assert lab(path).names["node1"].name == "web1"


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "[運用系]\nweb1 ansible_host=192.168.10.11\n[待機系]\nweb1\n",
            "host 'web1' is in groups 運用系 and 待機系, each a role of lab 'clweb': a host has one role there",
        ),
        (
            "[web]\nweb1 ansible_host=192.168.10.11\n",
            "no host is in a group named after a role of lab 'clweb' (the features of features/clweb need groups: "
            "パッケージ取得元, 運用系, 待機系)",
        ),
    ],
)
def test_groups_that_are_no_roles_of_the_lab_are_named(write, text, message):
    path = write(text + "[all:vars]\noat_known_hosts=known_hosts\n")
    with pytest.raises(InventoryError) as wrong:
        lab(path)
    assert str(wrong.value) == f"{path}: {message}"


def test_addresses_outside_the_topology_s_subnets_need_oat_networks(write):
    text = (
        "[運用系]\nweb1 ansible_host=10.9.0.11\n[待機系]\nweb2 ansible_host=10.9.0.12\n[all:vars]\n"
        "oat_known_hosts=known_hosts\n"
    )
    path = write(text)
    with pytest.raises(
        InventoryError,
        match=r"hosts: host 'web1': 10.9.0.11 is not in public's subnet 192.168.10.0/24; "
        r"say the subnet with oat_networks: \{public: SUBNET\}$",
    ):
        lab(path)
    made = lab(write(text + 'oat_networks={"public": "10.9.0.0/24"}\n'))
    assert str(made.topology.networks["public"].subnet) == "10.9.0.0/24"
    assert made.server("node2").address == "10.9.0.12"


def test_a_host_name_for_ansible_host_needs_oat_addresses(write):
    text = (
        "[運用系]\nweb1 ansible_host=web1.example.net{extra}\n[待機系]\nweb2 ansible_host=192.168.10.12\n"
        "[all:vars]\noat_known_hosts=known_hosts\n"
    )
    with pytest.raises(
        InventoryError,
        match=r"host 'web1': ansible_host 'web1.example.net' is no IPv4 address; give "
        r"the address the procedure sees with oat_addresses: \{public: ADDRESS\}$",
    ):
        lab(write(text.format(extra="")))
    made = lab(write(text.format(extra=" oat_addresses=\"{'public': '192.168.10.11'}\"")))
    assert made.server("node1").address == "192.168.10.11" and made.names["node1"].ssh.host == "web1.example.net"


@pytest.mark.parametrize(
    "line, message",
    [
        (
            "web1 ansible_host=192.168.10.11 ansible_become_password=Sudo-Secret-1",
            "host 'web1': ansible_become_password: oat logs in with keys only and needs sudo without a password",
        ),
        (
            "web1 ansible_host=192.168.10.11 ansible_connection=docker",
            "host 'web1': ansible_connection: 'docker': oat reaches inventory hosts over ssh only",
        ),
        ("web1 ansible_host=192.168.10.11 ansible_port=ssh", "host 'web1': ansible_port: 'ssh' is not a port number"),
        (
            "web1 ansible_ssh_private_key_file=/nowhere/id",
            "host 'web1': ansible_ssh_private_key_file: no file /nowhere/id",
        ),
        ('web1 ansible_host="{{ nowhere }}"', "host 'web1': ansible_host: cannot be templated: "),
        (
            "web1 ansible_become=true ansible_become_method=su",
            "host 'web1': ansible_become_method: 'su': oat becomes root with sudo only",
        ),
    ],
)
def test_errors_name_the_file_and_the_host(write, line, message):
    path = write(f"[運用系]\n{line}\n[all:vars]\noat_known_hosts=known_hosts\n")
    with pytest.raises(InventoryError) as refused:
        inventory.load(path)
    assert str(refused.value).startswith(f"{path}: {message}") and "\n" not in str(refused.value)
    assert "Sudo-Secret-1" not in str(refused.value)


def test_known_hosts_is_the_user_s_by_default_and_must_be_there(write, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = write("[運用系]\nweb1 ansible_host=192.168.10.11\n")
    with pytest.raises(
        InventoryError,
        match=r"hosts: oat_known_hosts: no file .*/home/.ssh/known_hosts: every host "
        r"key is verified",
    ):
        inventory.load(path)
    (tmp_path / "home" / ".ssh").mkdir(parents=True)
    (tmp_path / "home" / ".ssh" / "known_hosts").write_text("")
    assert inventory.load(path).known_hosts == str(tmp_path / "home" / ".ssh" / "known_hosts")


def test_a_secret_named_variable_is_masked(write):
    path = write(
        "[運用系]\nweb1 ansible_host=192.168.10.11 db_secret=Top-Secret-77\n[all:vars]\noat_known_hosts=known_hosts\n"
    )
    assert inventory.load(path).secrets == ("Top-Secret-77",)


def test_an_ini_that_ansible_cannot_read_is_one_line(write):
    path = write("[運用系]\nweb1 ansible_host=192.168.10.11 junk\n")
    with pytest.raises(InventoryError) as bad:
        inventory.load(path)
    assert str(bad.value).startswith(f"{path}: not read as an Ansible INI inventory: ")
    assert "junk" in str(bad.value) and "\n" not in str(bad.value)


def test_without_ansible_core_the_line_says_what_to_install(write, monkeypatch):
    monkeypatch.setitem(sys.modules, "ansible.inventory.manager", None)  # import fails as if not installed
    path = write(INI.format(key=""))
    with pytest.raises(
        InventoryError,
        match=r"hosts: is an Ansible INI inventory, which ansible-core reads, and it "
        r"is not installed: pip install 'oat\[ansible\]'$",
    ):
        inventory.load(path)


@pytest.mark.parametrize(
    "name, text, kind",
    [
        ("inventory.yaml", {"known_hosts": "k", "labs": {}}, "oat"),
        ("inventory.yaml", {"colour": "red"}, "oat"),  # oat's reader names the unknown key
        ("hosts.yml", {"all": {"children": {"web": {"hosts": {"web1": None}}}}}, "yaml"),
        ("hosts.yaml", {"web": {"hosts": {"web1": {"ansible_host": "10.0.0.1"}}, "vars": {}}}, "yaml"),
        ("hosts", "[web]\nweb1 ansible_host=10.0.0.1\n", "ini"),
        ("hosts", "web1 ansible_host=10.0.0.1\n", "ini"),
        ("hosts.ini", "[web]\nweb1\n", "ini"),
        ("broken.yaml", "labs: [\n", "oat"),  # oat's reader names the YAML error
    ],
)
def test_the_format_is_told_by_content_then_extension(tmp_path, name, text, kind):
    path = tmp_path / name
    path.write_text(text if isinstance(text, str) else yaml.safe_dump(text), encoding="utf-8")
    assert inventory.kind_of(path) == kind


def test_an_ansible_plugin_configuration_is_refused_in_one_line(tmp_path):
    path = tmp_path / "aws_ec2.yml"
    path.write_text("plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n")
    with pytest.raises(
        InventoryError,
        match=r"aws_ec2.yml: plugin: an Ansible inventory plugin's configuration is "
        r"not read",
    ):
        inventory.load(path)


# --- oat's own format: the same matching ---------------------------------------------------


def own(tmp_path, servers: dict):
    (tmp_path / "id").write_text("key")
    (tmp_path / "known_hosts").write_text("")
    path = tmp_path / "inventory.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "known_hosts": "known_hosts",
                "ssh": {"key": "id"},
                "labs": {"pg": {"networks": {"db": "10.0.5.0/24"}, "servers": servers}},
            },
            allow_unicode=True,
        )
    )
    return path


def server(address: str, role: str = "DB", **extra):
    return {"role": role, "addresses": {"db": address}, "ssh": {"host": address}, **extra}


def test_oat_s_format_matches_a_role_s_servers_by_server_or_name(tmp_path):
    path = own(
        tmp_path,
        {
            "pg-b": server("10.0.5.12", server="standby"),
            "primary": server("10.0.5.11"),
            "app1": server("10.0.5.20", "アプリ"),
        },
    )
    made = lab(path, PG)
    assert made.names["primary"].name == "primary" and made.names["standby"].name == "pg-b"
    assert made.names["app"].name == "app1"  # the one server of its role


def test_oat_s_format_never_matches_by_order(tmp_path):
    path = own(
        tmp_path, {"pg-a": server("10.0.5.11"), "pg-b": server("10.0.5.12"), "app1": server("10.0.5.20", "アプリ")}
    )
    with pytest.raises(InventoryError) as ambiguous:
        lab(path, PG)
    assert str(ambiguous.value) == (
        f"{path}: labs.pg.servers.pg-a: role DB has 2 servers in lab 'pg' (primary, standby) and nothing says which "
        "one pg-a is: set server: primary (or another of them) on it, or name it after one"
    )


def test_a_role_with_too_few_hosts_is_named_by_its_group(write):
    path = write(PG_INI.format(db="primary ansible_host=10.0.5.11"))
    with pytest.raises(InventoryError) as few:
        lab(path, PG)
    assert str(few.value) == f"{path}: lab 'pg': 1 host(s) in group DB; the procedure needs 2 (primary, standby)"
