"""oat.model.parts: parts found by role, placeholders, setup actions (on recording fake servers)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from oat.errors import LabError
from oat.model.parts import Parts
from oat.model.products import Product
from oat.model.relocation import Relocation
from oat.model.topology import parse

ROOT = Path(__file__).resolve().parents[3]

PRODUCT = """
parts:
  DB:
    package: postgresql
    service: postgresql@15-main
    processes: [postgres]
    ports: [5432]
    setup:
      - run: createdb -O {{ db.user }} tengine
      - file: /etc/app.yml
        template: app.yml
        mode: 0640
        owner: root:app
  Core:
    package: core
    service: core
    setup:
      - copy_to: {part: DB, from: /root/key.pub, to: /srv/.ssh/authorized_keys}
      - certificate: {cert: /etc/c.crt, key: /etc/c.key}
  Bad:
    package: x
    service: x
    setup:
      - teleport: somewhere
db: {user: tengine}
"""

TOPOLOGY = {
    "name": "t",
    "networks": [{"name": "n", "subnet": "10.9.0.0/24"}],
    "servers": [
        {"name": "db", "role": "DB", "image": "server", "addresses": {"n": "10.9.0.2"}},
        {"name": "core1", "role": "Core", "image": "server", "addresses": {"n": "10.9.0.3"}},
        {"name": "core2", "role": "Core", "image": "server", "addresses": {"n": "10.9.0.4"}},
    ],
}


class FakeServer:
    """Records what a step would run or write; `files` answers cat/exists."""

    def __init__(self, name, address):
        self.name, self.address = name, address
        self.commands, self.files = [], {}
        self.host = SimpleNamespace(file=lambda path: SimpleNamespace(exists=path in self.files))

    def check(self, command, *args):
        command = command % args if args else command
        self.commands.append(command)
        if command.startswith("cat "):
            return self.files[command.split(" ", 1)[1]]
        if command.startswith("stat "):
            return "git:git\n"
        return ""

    def run(self, command, *args):
        return SimpleNamespace(stdout=self.check(command, *args), rc=0)

    def put_file(self, path, content, mode=0o644):
        self.files[path] = content if isinstance(content, str) else content.decode()
        self.commands.append(f"(write) {path} {mode:o}")


@pytest.fixture
def parts(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(PRODUCT, encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "app.yml").write_text("db: {{ address:DB }} user {{ db.user }}\n", encoding="utf-8")
    topology = parse(TOPOLOGY)
    servers = {s.name: FakeServer(s.name, s.address) for s in topology.servers.values()}
    lab = SimpleNamespace(topology=topology, server=lambda name: servers[name], relocation=Relocation())
    return Parts(Product(path), lab)


def test_servers_of_a_part_are_found_by_role(parts):
    assert [s.name for s in parts.servers("Core")] == ["core1", "core2"]


def test_an_unknown_part_names_the_file_and_the_known_parts(parts):
    with pytest.raises(LabError, match=r"app.yaml: unknown part 'Queue' \(known: DB, Core, Bad\)"):
        parts.part("Queue")


def test_a_part_without_a_server_names_the_role(parts):
    parts.lab.topology = parse({**TOPOLOGY, "servers": TOPOLOGY["servers"][1:]})
    with pytest.raises(LabError, match="lab 't' has no server with role 'DB'"):
        parts.servers("DB")


def test_placeholders_come_from_the_product_and_the_lab(parts):
    assert parts.render("{{ db.user }}@{{ address:DB }}") == "tengine@10.9.0.2"


def test_an_address_of_a_part_with_two_servers_is_ambiguous(parts):
    with pytest.raises(LabError, match="has 2 servers with role 'Core'"):
        parts.render("{{ address:Core }}")


def test_a_missing_key_names_the_file_and_the_key(parts):
    with pytest.raises(LabError, match="key 'db.password' is missing"):
        parts.render("{{ db.password }}")


def test_setup_runs_commands_and_writes_templates_in_order(parts):
    db = parts.lab.server("db")
    parts.set_up("DB", db)
    assert db.commands == ["createdb -O tengine tengine", "(write) /etc/app.yml 640", "chown root:app /etc/app.yml"]
    assert db.files["/etc/app.yml"] == "db: 10.9.0.2 user tengine\n"


def test_copy_to_appends_once_and_keeps_the_folder_owner(parts):
    core, db = parts.lab.server("core1"), parts.lab.server("db")
    core.files["/root/key.pub"] = "ssh-ed25519 AAAA core1\n"
    ca = SimpleNamespace(issue=lambda *a, **k: SimpleNamespace(cert_pem=b"CERT", key_pem=b"KEY"))
    parts.set_up("Core", core, ca)
    parts.set_up("Core", core, ca)
    assert db.files["/srv/.ssh/authorized_keys"] == "ssh-ed25519 AAAA core1\n"
    assert "chown git:git /srv/.ssh/authorized_keys" in db.commands
    assert core.files["/etc/c.key"] == "KEY"


def test_a_certificate_without_the_lab_ca_is_an_error(parts):
    core = parts.lab.server("core1")
    core.files["/root/key.pub"] = "k"
    with pytest.raises(LabError, match=r"parts.Core.setup\[2\]: a certificate needs the lab's CA"):
        parts.set_up("Core", core)


def test_an_unknown_action_names_its_place(parts):
    with pytest.raises(LabError, match=r"parts.Bad.setup\[1\]: unknown action 'teleport'"):
        parts.set_up("Bad", parts.lab.server("db"))


def test_write_file_rewrites_one_template(parts):
    db = parts.lab.server("db")
    parts.write_file("DB", db, "/etc/app.yml")
    assert db.commands == ["(write) /etc/app.yml 640", "chown root:app /etc/app.yml"]
    with pytest.raises(LabError, match="writes no file /etc/other"):
        parts.write_file("DB", db, "/etc/other")


def test_the_tengine_product_data_renders_on_its_topology():
    """Every placeholder of the shipped Tengine data and templates resolves on the lab."""
    from oat.model.topology import load

    topology = load(ROOT / "lab" / "topologies" / "tengine.yaml")
    servers = {s.name: FakeServer(s.name, s.address) for s in topology.servers.values()}
    parts = Parts(
        Product(ROOT / "lab" / "products" / "tengine.yaml"),
        SimpleNamespace(topology=topology, server=lambda name: servers[name], relocation=Relocation()),
    )
    for name in parts.product["parts"]:
        part = parts.part(name)
        for action in part.setup:
            for value in action.values():
                for text in value.values() if isinstance(value, dict) else [value]:
                    assert "{{" not in parts.render(text)
            if "template" in action:
                assert "{{" not in parts.template(action["template"])
        if name != "Tengineジョブエージェント":  # its servers are made during the run
            assert parts.servers(name)
