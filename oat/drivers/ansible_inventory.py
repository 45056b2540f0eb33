"""An Ansible inventory (INI or YAML) as oat's inventory, read by ansible-core's own parser.

ansible-core's InventoryManager reads the file with its `ini` or `yaml` inventory plugin (the
one oat.drivers.inventory.kind_of chose; no other plugin runs, so no script is executed), and
its VariableManager gives each host its variables as a playbook would see them: the file's
group and host variables, and the group_vars/ and host_vars/ folders beside it. The values oat
reads are templated (`{{ inventory_dir }}/keys/id` works).

- groups are roles: a host serves the lab of a feature folder when one of its groups is named
  after a role of that folder's topology (運用系, DB …). A group named after the folder (e.g.
  `clweb`) keeps that lab to its hosts; without one, every host of the file may serve it;
- ansible_host (else the host's name), ansible_port, ansible_user and
  ansible_ssh_private_key_file are how ssh reaches the host, as Ansible's ssh connection takes
  them (a relative key path is from the current directory, ~ is expanded); ansible_become:
  sudo; passwords are refused (keys only, as in oat's format);
- oat_server: NAME says which server of the topology the host is, where its role has several
  (else a host named after the server is that server);
- oat_addresses: {NETWORK: ADDRESS} are the host's addresses the procedure sees; by default
  ansible_host on the topology's first network of the role. oat_networks: {NETWORK: SUBNET}
  by default the topology's subnets, when the addresses lie in them;
- oat_disposable, oat_known_hosts, oat_packages and oat_rewrite_sources say what oat's format
  says once at its top (disposable, known_hosts, packages, rewrite_sources): every host must
  say the same (set them under all: vars); known_hosts is relative to the inventory file and
  is ~/.ssh/known_hosts by default, as for Ansible's ssh.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from oat.drivers.inventory import _SECRET_KEY, Entry, Inventory, LabEntry, Ssh, _roles
from oat.errors import InventoryError
from oat.model.topology import Topology

PASSWORDS = (
    "ansible_password",
    "ansible_ssh_pass",
    "ansible_ssh_password",
    "ansible_become_password",
    "ansible_become_pass",
    "ansible_sudo_pass",
)
CONNECTIONS = ("ssh", "smart")
INSTALL = "pip install 'oat[ansible]'"


@dataclass(frozen=True)
class Host:
    """One host of the file, before it is matched to a lab's topology."""

    name: str
    groups: tuple[str, ...]
    ssh: Ssh
    server: str = ""
    addresses: dict[str, str] = field(default_factory=dict)
    networks: dict[str, ipaddress.IPv4Network] = field(default_factory=dict)


def load(path: Path, kind: str) -> Inventory:
    manager, variables, loader = _parse(path, kind)
    hosts, wide, secrets = [], {}, []
    for host in manager.get_hosts():
        values = _Values(path, host.name, variables.get_vars(host=host, include_hostvars=False), loader)
        secrets += values.secrets()
        hosts.append(_host(values, host))
        for name, value in (
            ("oat_disposable", values.flag("oat_disposable")),
            ("oat_known_hosts", values.path("oat_known_hosts", path.parent)),
            ("oat_packages", values.text("oat_packages") or "existing"),
            ("oat_rewrite_sources", values.flag("oat_rewrite_sources")),
        ):
            first = wide.setdefault(name, (host.name, value))
            if first[1] != value:
                raise InventoryError(
                    f"{path}: host '{host.name}': {name} is {_said(value)} where host '{first[0]}' "
                    f"has {_said(first[1])}: it is said of the whole inventory (as oat's own "
                    f"format says it once): set it under all: vars"
                )
    if not hosts:
        raise InventoryError(f"{path}: no host: the Ansible {kind.upper()} inventory names no host")
    packages = wide["oat_packages"][1]
    if packages not in ("existing", "copy"):
        raise InventoryError(
            f"{path}: host '{wide['oat_packages'][0]}': oat_packages: '{packages}' is neither existing nor copy"
        )
    known_hosts = wide["oat_known_hosts"][1] or str(Path("~/.ssh/known_hosts").expanduser())
    if not Path(known_hosts).is_file():
        raise InventoryError(
            f"{path}: oat_known_hosts: no file {known_hosts}: every host key is verified, so oat "
            "needs the hosts' keys (set oat_known_hosts under all: vars)"
        )
    return Inventory(
        path=path,
        disposable=wide["oat_disposable"][1],
        known_hosts=known_hosts,
        packages=packages,
        rewrite_sources=wide["oat_rewrite_sources"][1],
        labs={},
        secrets=tuple(dict.fromkeys(secrets)),
        kind=kind,
        hosts=tuple(hosts),
    )


def lab(inventory: Inventory, topology: Topology) -> LabEntry:
    """The hosts of the inventory in groups named after the topology's roles, as oat's lab entry."""
    path, roles = inventory.path, _roles(topology)
    fenced = any(topology.name in host.groups for host in inventory.hosts)
    servers, networks, said = [], {}, {}
    for host in inventory.hosts:
        mine = [role for role in roles if role in host.groups]
        if not mine or (fenced and topology.name not in host.groups):
            continue
        if len(mine) > 1:
            raise InventoryError(
                f"{path}: host '{host.name}' is in groups {' and '.join(mine)}, each a role of lab "
                f"'{topology.name}': a host has one role there"
            )
        specs = [s for s in topology.servers.values() if s.role == mine[0]]
        addresses = host.addresses or _default_address(path, host, next(iter(specs[0].addresses)))
        for net, subnet in host.networks.items():
            first = said.setdefault(net, (host.name, subnet))
            if first[1] != subnet:
                raise InventoryError(
                    f"{path}: host '{host.name}': oat_networks: {net} is {subnet} where host "
                    f"'{first[0]}' has {first[1]}: one subnet per network (set it under all: vars)"
                )
            networks[net] = subnet
        servers.append(
            Entry(
                host.name,
                mine[0],
                addresses,
                host.ssh,
                infrastructure=all(s.infrastructure for s in specs),
                server=host.server,
            )
        )
    if not servers:
        raise InventoryError(
            f"{path}: no host is in a group named after a role of lab '{topology.name}' (the "
            f"features of features/{topology.name} need groups: {', '.join(roles)})"
        )
    for server in servers:
        for net, address in server.addresses.items():
            subnet = networks.get(net) or (topology.networks[net].subnet if net in topology.networks else None)
            if subnet is None:
                raise InventoryError(
                    f"{path}: host '{server.name}': oat_addresses: no network '{net}' in lab "
                    f"'{topology.name}' or in oat_networks"
                )
            if ipaddress.IPv4Address(address) not in subnet:
                raise InventoryError(
                    f"{path}: host '{server.name}': {address} is not in {net}'s subnet {subnet}; "
                    f"say the subnet with oat_networks: {{{net}: SUBNET}}"
                )
            networks.setdefault(net, subnet)
    return LabEntry(topology.name, networks, tuple(servers))


def _default_address(path: Path, host: Host, network: str) -> dict[str, str]:
    try:
        return {network: str(ipaddress.IPv4Address(host.ssh.host))}
    except ValueError:
        raise InventoryError(
            f"{path}: host '{host.name}': ansible_host '{host.ssh.host}' is no IPv4 address; "
            f"give the address the procedure sees with oat_addresses: {{{network}: ADDRESS}}"
        ) from None


def _host(values: _Values, host) -> Host:
    for name in PASSWORDS:
        if name in values.raw:
            raise InventoryError(
                f"{values.where}: {name}: oat logs in with keys only and needs sudo without a "
                "password (a key with a passphrase: load it into ssh-agent)"
            )
    connection = values.text("ansible_connection")
    if connection and connection not in CONNECTIONS:
        raise InventoryError(
            f"{values.where}: ansible_connection: '{connection}': oat reaches inventory hosts over ssh only"
        )
    port = values.text("ansible_port", "ansible_ssh_port") or "22"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise InventoryError(f"{values.where}: ansible_port: '{port}' is not a port number")
    sudo = values.flag("ansible_become")
    method = values.text("ansible_become_method")
    if sudo and method and method != "sudo":
        raise InventoryError(f"{values.where}: ansible_become_method: '{method}': oat becomes root with sudo only")
    key = values.text("ansible_ssh_private_key_file", "ansible_private_key_file")
    if key:
        key = str(Path(key).expanduser().resolve())
        if not Path(key).is_file():
            raise InventoryError(f"{values.where}: ansible_ssh_private_key_file: no file {key}")
    ssh = Ssh(
        host=values.text("ansible_host", "ansible_ssh_host") or host.name,
        port=int(port),
        user=values.text("ansible_user", "ansible_ssh_user"),
        key=key,
        sudo=sudo,
    )
    networks = {net: _subnet(values, net, subnet) for net, subnet in values.mapping("oat_networks").items()}
    addresses = {net: _address(values, net, address) for net, address in values.mapping("oat_addresses").items()}
    return Host(
        host.name,
        tuple(g.name for g in host.get_groups() if g.name not in ("all", "ungrouped")),
        ssh,
        values.text("oat_server"),
        addresses,
        networks,
    )


def _subnet(values: _Values, net: str, subnet) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(str(subnet))
    except ValueError as exc:
        raise InventoryError(f"{values.where}: oat_networks: {net}: '{subnet}' is not a subnet ({exc})") from None


def _address(values: _Values, net: str, address) -> str:
    try:
        return str(ipaddress.IPv4Address(str(address)))
    except ValueError:
        raise InventoryError(f"{values.where}: oat_addresses: {net}: '{address}' is no IPv4 address") from None


def _said(value) -> str:
    return "true" if value is True else "false" if value is False else f"'{value or ''}'"


class _Values:
    """One host's variables: templated as a playbook would, errors naming the file and host."""

    def __init__(self, path: Path, host: str, raw: dict, loader):
        from ansible.template import Templar

        self.raw = raw
        self.where = f"{path}: host '{host}'"
        self._templar = Templar(loader=loader, variables=raw)

    def value(self, *names: str):
        for name in names:
            if name in self.raw and self.raw[name] is not None:
                try:
                    return self._templar.template(self.raw[name])
                except Exception as exc:  # noqa: BLE001 - ansible-core's templating errors are of many kinds
                    raise InventoryError(f"{self.where}: {name}: cannot be templated: {_one_line(exc)}") from None
        return None

    def text(self, *names: str) -> str:
        value = self.value(*names)
        return "" if value is None else str(value).strip()

    def flag(self, name: str) -> bool:
        from ansible.module_utils.parsing.convert_bool import boolean

        value = self.value(name)
        try:
            return False if value is None else boolean(value, strict=True)
        except TypeError:
            raise InventoryError(f"{self.where}: {name}: '{value}' must be true or false") from None

    def path(self, name: str, base: Path) -> str:
        value = self.text(name)
        return str((base / Path(value).expanduser()).resolve()) if value else ""

    def mapping(self, name: str) -> dict:
        value = self.value(name)
        if isinstance(value, str):  # an INI [group:vars] value may stay text
            try:
                value = yaml.safe_load(value)
            except yaml.YAMLError:
                pass
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise InventoryError(f"{self.where}: {name}: must be a mapping, e.g. {{public: ...}}")
        return {str(k): v for k, v in value.items()}

    def secrets(self) -> list[str]:
        """Every secret-named variable's text, masked like any secret (vaulted ones unread)."""
        found = []
        for name, value in self.raw.items():
            if _SECRET_KEY.search(str(name)) and isinstance(value, (str, int)) and not _vaulted(value):
                if len(str(value)) >= 4:
                    found.append(str(value))
        return found


def _vaulted(value) -> bool:
    return "vault" in type(value).__name__.lower() or "encrypted" in type(value).__name__.lower()


def _parse(path: Path, kind: str):
    """InventoryManager and VariableManager over the file, read by one plugin: `ini` or `yaml`."""
    said = io.StringIO()  # ansible-core's own warnings (an ansible.cfg ignored …): the cause is said in one line
    try:
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(said):
            from ansible.inventory.manager import InventoryManager
            from ansible.parsing.dataloader import DataLoader
            from ansible.plugins.loader import inventory_loader
            from ansible.vars.manager import VariableManager
    except ImportError:
        raise InventoryError(
            f"{path}: is an Ansible {kind.upper()} inventory, which ansible-core reads, and it is "
            f"not installed: {INSTALL}"
        ) from None

    class OneFormat(InventoryManager):
        """Only the plugin of the format oat chose, and its failure kept to be said in one line."""

        def __init__(self, loader):
            self.failure = None
            super().__init__(loader=loader, sources=[str(path)])

        def _fetch_inventory_plugins(self):
            plugin = inventory_loader.get(kind)
            parse = plugin.parse

            def parse_and_keep(*args, **kwargs):
                try:
                    return parse(*args, **kwargs)
                except Exception as exc:
                    self.failure = exc
                    raise

            plugin.parse = parse_and_keep
            return [plugin]

    loader = DataLoader()
    with contextlib.redirect_stderr(said), contextlib.redirect_stdout(said):
        try:
            manager = OneFormat(loader)
        except Exception as exc:  # noqa: BLE001 - ansible-core raises AnsibleError and others
            raise InventoryError(f"{path}: not read as an Ansible {kind.upper()} inventory: {_one_line(exc)}") from None
    if manager.failure is not None:
        raise InventoryError(f"{path}: not read as an Ansible {kind.upper()} inventory: {_one_line(manager.failure)}")
    return manager, VariableManager(loader=loader, inventory=manager), loader


def _one_line(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return re.sub(r"\s+", " ", str(text)).strip() or type(exc).__name__
