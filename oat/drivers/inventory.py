"""Servers you already have: an inventory file, reached over SSH (Molecule's delegated driver).

    disposable: false        # true: scenarios tagged @破壊的 run too (they may break a server)
    known_hosts: known_hosts # the servers' host keys (OpenSSH format); relative to this file
    ssh: {user: root, key: id_ed25519, port: 22, sudo: false}   # defaults for every server
    packages: existing       # existing: apt already reaches the packages the procedures install
                             # copy: oat copies its .debs over SSH into a local repository
    rewrite_sources: false   # with copy: make that repository the server's only apt source
    labs:
      clweb:                 # a feature folder's lab; lab/topologies/clweb.yaml names its roles
        networks: {public: 192.168.10.0/24}
        servers:
          web01:
            role: 運用系
            addresses: {public: 192.168.10.11}
            ssh: {host: 192.168.10.11}         # or {alias: web01, config: ~/.ssh/config}

The documents' roles (DB, 運用系, 待機系 …) map the topology's servers to these: the steps
ask for node1 and get the server whose role node1 has. Where a role has several servers, each
inventory server says which one it is (`server: node1`) or bears its name: never paired by
order. Host keys are always verified (StrictHostKeyChecking yes); one SSH connection per
server is kept open and reused. Errors name the file and the key, or the server and the file,
in one line.

An Ansible inventory (INI or YAML) is read too (oat.drivers.ansible_inventory): its groups
are the roles, its hosts the servers.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from oat.drivers import ssh_preflight
from oat.drivers.base import CommandLog, Completed, ServerInfo, Transport, Unreachable
from oat.drivers.driver import Driver
from oat.drivers.packages import Deb
from oat.errors import InventoryError
from oat.model import yamlfile
from oat.model.relocation import Relocation
from oat.model.topology import Network, Topology
from oat.model.topology import Server as Spec
from oat.servers import Server
from oat.wait import wait_until

LOCAL_REPO = "/var/lib/oat/repo"
LOCAL_SOURCE = "/etc/apt/sources.list.d/oat-local.sources"
_SECRET_KEY = re.compile(r"(?i)pass(word|phrase)?|secret")
CONNECT_TIMEOUT = 10  # seconds ssh waits for a server to connect and greet
CONTROL_PERSIST = "60s"  # how long a server's connection outlives its last command
OWN_KEYS = ("disposable", "known_hosts", "ssh", "packages", "rewrite_sources", "labs")

__all__ = ["InventoryError", "InventoryLab", "load"]  # InventoryError: oat.errors' own, exit 6


@dataclass(frozen=True)
class Ssh:
    host: str = ""
    port: int = 22
    user: str = "root"  # empty: ssh's own default (an Ansible host without ansible_user)
    key: str = ""  # an identity file (absolute once loaded); empty: ssh's defaults and agent
    alias: str = ""  # a Host of an ssh_config file instead of host/port/user/key
    config: str = ""
    sudo: bool = False


@dataclass(frozen=True)
class Entry:
    name: str
    role: str
    addresses: dict[str, str]
    ssh: Ssh
    infrastructure: bool = False
    server: str = ""  # the topology server it is (`server:`, Ansible's oat_server); else by name


@dataclass(frozen=True)
class LabEntry:
    name: str
    networks: dict[str, ipaddress.IPv4Network]
    servers: tuple[Entry, ...]


@dataclass(frozen=True)
class Inventory:
    path: Path
    disposable: bool
    known_hosts: str
    packages: str
    rewrite_sources: bool
    labs: dict[str, LabEntry]
    secrets: tuple[str, ...] = ()
    kind: str = "oat"  # oat, or the Ansible inventory's format: ini, yaml
    hosts: tuple = ()  # an Ansible inventory's hosts (ansible_inventory.Host), matched per lab

    def lab(self, topology: Topology) -> LabEntry:
        """The inventory's servers for one feature folder's lab."""
        if self.kind != "oat":
            from oat.drivers import ansible_inventory

            self.labs[topology.name] = ansible_inventory.lab(self, topology)
        entry = self.labs.get(topology.name)
        if entry is None:
            raise InventoryError(
                f"{self.path}: labs: no lab '{topology.name}' (the features of "
                f"features/{topology.name} need its roles: {', '.join(_roles(topology))})"
            )
        return entry

    def where(self, entry: Entry, lab: str) -> str:
        """How an error names a server of the inventory."""
        return f"host '{entry.name}'" if self.kind != "oat" else f"labs.{lab}.servers.{entry.name}"

    def where_lab(self, lab: str) -> str:
        """How an error names a lab of the inventory."""
        return f"lab '{lab}'" if self.kind != "oat" else f"labs.{lab}"

    @property
    def says_server(self) -> str:
        """The key or variable that says which topology server an inventory server is."""
        return "oat_server" if self.kind != "oat" else "server"


def load(path: Path) -> Inventory:
    """oat's own inventory, or an Ansible inventory (INI or YAML): `kind` says which."""
    path = Path(path).resolve()
    kind = kind_of(path)
    if kind != "oat":
        from oat.drivers import ansible_inventory

        return ansible_inventory.load(path, kind)
    data = yamlfile.read(path, "inventory", InventoryError)
    at = _At(path)
    if not isinstance(data, dict):
        raise at.error("", "must be a mapping with labs")
    unknown = set(data) - set(OWN_KEYS)
    if unknown:
        raise at.error(
            sorted(unknown)[0], "unknown key (known: disposable, known_hosts, ssh, packages, rewrite_sources, labs)"
        )
    known_hosts = at.file(data, "known_hosts", required=False)
    packages = data.get("packages", "existing")
    if packages not in ("existing", "copy"):
        raise at.error("packages", f"'{packages}' is neither existing nor copy")
    defaults = data.get("ssh") or {}
    if not isinstance(defaults, dict):
        raise at.error("ssh", "must be a mapping (user, key, port, sudo)")
    labs = data.get("labs")
    if not isinstance(labs, dict) or not labs:
        raise at.error("labs", "must name at least one lab (a feature folder, e.g. clweb) with its servers")
    return Inventory(
        path=path,
        disposable=at.flag(data, "disposable"),
        known_hosts=known_hosts,
        packages=packages,
        rewrite_sources=at.flag(data, "rewrite_sources"),
        labs={name: _lab(at, f"labs.{name}", name, raw, defaults, known_hosts) for name, raw in labs.items()},
        secrets=tuple(_secrets(data)),
    )


def kind_of(path: Path) -> str:
    """oat (its own YAML), yaml (an Ansible YAML inventory) or ini (an Ansible INI inventory).

    By content first: a YAML mapping with a key of oat's format (labs, ssh, known_hosts …) is
    oat's; a YAML mapping of groups (each with hosts, children or vars) is Ansible's. Then by
    extension: a file that is no YAML mapping is Ansible INI, unless it is called .yaml, .yml
    or .json (then oat's reader names what is wrong with it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "oat"  # its reader says why it cannot be read
    if path.suffix.lower() == ".ini":
        return "ini"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict):
        if set(data) & set(OWN_KEYS):
            return "oat"
        if "plugin" in data:
            raise InventoryError(
                f"{path}: plugin: an Ansible inventory plugin's configuration is not read; give a "
                "static inventory (INI or YAML groups with hosts, children and vars)"
            )
        if data and all(
            v is None or (isinstance(v, dict) and set(v) <= {"hosts", "children", "vars"}) for v in data.values()
        ):
            return "yaml"
        return "oat"
    return "oat" if path.suffix.lower() in (".yaml", ".yml", ".json") else "ini"


def _lab(at, key: str, name: str, raw, defaults: dict, known_hosts: str) -> LabEntry:
    if not isinstance(raw, dict) or not isinstance(raw.get("servers"), dict) or not raw["servers"]:
        raise at.error(f"{key}.servers", "must list the lab's servers by name")
    networks = {}
    for net, subnet in (raw.get("networks") or {}).items():
        try:
            networks[net] = ipaddress.IPv4Network(str(subnet))
        except ValueError as exc:
            raise at.error(f"{key}.networks.{net}", f"'{subnet}' is not a subnet ({exc})") from None
    servers = []
    for server, item in raw["servers"].items():
        where = f"{key}.servers.{server}"
        if not isinstance(item, dict):
            raise at.error(where, "must be a mapping with role, addresses and ssh")
        role = at.text(item, "role", where)
        addresses = item.get("addresses")
        if not isinstance(addresses, dict) or not addresses:
            raise at.error(f"{where}.addresses", "must map each network to the server's address")
        for net, address in addresses.items():
            if net not in networks:
                raise at.error(f"{where}.addresses.{net}", f"no network '{net}' in {key}.networks")
            if ipaddress.IPv4Address(str(address)) not in networks[net]:
                raise at.error(f"{where}.addresses.{net}", f"{address} is not in {networks[net]}")
        ssh = {**defaults, **(item.get("ssh") or {})}
        says = item.get("server", "")
        if not isinstance(says, str):
            raise at.error(f"{where}.server", "must name one server of the lab's topology (e.g. node1)")
        servers.append(
            Entry(
                server,
                role,
                {n: str(a) for n, a in addresses.items()},
                _ssh(at, f"{where}.ssh", ssh, known_hosts),
                at.flag(item, "infrastructure", where),
                says.strip(),
            )
        )
    return LabEntry(name, networks, tuple(servers))


def _ssh(at, where: str, raw: dict, known_hosts: str) -> Ssh:
    for secret in ("password", "passphrase"):
        if secret in raw:
            raise at.error(
                f"{where}.{secret}", "oat logs in with keys only (a key with a passphrase: load it into ssh-agent)"
            )
    unknown = set(raw) - {"host", "port", "user", "key", "alias", "config", "sudo"}
    if unknown:
        raise at.error(
            f"{where}.{sorted(unknown)[0]}", "unknown key (known: host, port, user, key, alias, config, sudo)"
        )
    sudo = raw.get("sudo", False)
    if not isinstance(sudo, bool):
        raise at.error(f"{where}.sudo", "must be true or false")
    if raw.get("alias"):
        config = at.file(raw, "config", where, required=True)
        return Ssh(alias=str(raw["alias"]), config=config, sudo=sudo, user=str(raw.get("user", "")))
    if not raw.get("host"):
        raise at.error(f"{where}.host", "is missing (or give alias and config)")
    if not known_hosts:
        raise at.error("known_hosts", "is missing: every server's host key must be verified")
    try:
        port = int(raw.get("port", 22))
    except (TypeError, ValueError):
        raise at.error(f"{where}.port", f"'{raw.get('port')}' is not a port number") from None
    return Ssh(
        host=str(raw["host"]),
        port=port,
        user=str(raw.get("user", "root")),
        key=at.file(raw, "key", where, required=True),
        sudo=sudo,
    )


def _secrets(data) -> list[str]:
    """Every password or passphrase the inventory holds, to be masked like any secret."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if _SECRET_KEY.search(str(key)) and isinstance(value, (str, int)) and len(str(value)) >= 4:
                found.append(str(value))
            found += _secrets(value)
    elif isinstance(data, list):
        for value in data:
            found += _secrets(value)
    return found


class _At:
    """Errors that name the inventory file and the key."""

    def __init__(self, path: Path):
        self.path = path

    def error(self, key: str, problem: str) -> InventoryError:
        return InventoryError(f"{self.path}: {key + ': ' if key else ''}{problem}")

    def text(self, item: dict, name: str, where: str) -> str:
        value = item.get(name)
        if value is None or not str(value).strip():
            raise self.error(f"{where}.{name}", "is missing")
        return str(value).strip()

    def flag(self, item: dict, name: str, where: str = "") -> bool:
        value = item.get(name, False)
        if not isinstance(value, bool):
            raise self.error(f"{where + '.' if where else ''}{name}", "must be true or false")
        return value

    def file(self, item: dict, name: str, where: str = "", required: bool = True) -> str:
        key = f"{where + '.' if where else ''}{name}"
        value = item.get(name)
        if not value:
            if required:
                raise self.error(key, "is missing")
            return ""
        path = (self.path.parent / Path(str(value)).expanduser()).resolve()
        if not path.is_file():
            raise self.error(key, f"no file {path}")
        return str(path)


# --- the lab the steps see ---------------------------------------------------------------


class SshTransport(Transport):
    """ssh to one server, as the inventory says (its alias in the run's ssh_config, or the
    inventory's own alias and config): host keys verified whatever the config says, one
    connection per server kept open (ControlMaster) and reused by every command."""

    def __init__(self, way: ssh_preflight.Target, control_path: str, sudo: bool):
        self.way = way
        self.control_path = control_path
        self.sudo = sudo
        self.target = f"ssh://{way.alias}"

    def argv(self, command: str, stdin: bool = False) -> list[str]:
        if self.sudo:
            command = f"sudo /bin/sh -c {shlex.quote(command)}"
        return [
            "ssh",
            "-F",
            self.way.config,
            *self.way.options,
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"ConnectTimeout={CONNECT_TIMEOUT}",
            "-o",
            "ControlMaster=auto",
            "-o",
            f"ControlPersist={CONTROL_PERSIST}",
            "-o",
            f"ControlPath={self.control_path}",
            self.way.alias,
            command,
        ]

    def run(self, command: str, stdin: bytes | None = None, timeout: float | None = None) -> Completed:
        done = super().run(command, stdin, timeout)
        if done.rc == 255:  # ssh's own failure: the command may not have run at all
            raise Unreachable(self.target, done)
        return done


class InventoryLab(Driver):
    """One lab of an inventory, shaped like the document's topology: each topology server
    is the inventory server of the same role."""

    kind = "an inventory's servers"

    def __init__(
        self,
        inventory: Inventory,
        topology: Topology,
        recorder: CommandLog,
        run_id: str,
        work: Path,
        debs: list[Deb] = (),
        progress=print,
        image_tag=None,
    ):
        self.inventory = inventory
        self.recorder = recorder
        self.run_id = run_id
        self.progress = progress
        self.debs = list(debs)
        self._image_tag = image_tag
        entry = inventory.lab(topology)
        self.entry = entry
        self.names = _match(inventory, entry, topology)  # topology name -> inventory entry
        self.topology = Topology(
            name=topology.name,
            description=topology.description,
            source=str(inventory.path),
            networks={n: Network(n, subnet) for n, subnet in entry.networks.items()},
            servers={
                name: Spec(
                    name=name,
                    role=e.role,
                    image="",
                    addresses=e.addresses,
                    description=e.name,
                    infrastructure=e.infrastructure,
                )
                for name, e in self.names.items()
            },
            package_source=next(
                (name for name, e in self.names.items() if e.role == topology.servers[topology.package_source].role),
                None,
            )
            if topology.package_source
            else None,
        )
        # The inventory's networks need not be the document's: the product facts that name an
        # address (a floating IP, a pg_hba entry) move with them, each keeping its host part.
        self.relocation = Relocation(
            {
                n: (topology.networks[n].subnet, subnet)
                for n, subnet in entry.networks.items()
                if n in topology.networks and topology.networks[n].subnet != subnet
            },
            why="はインベントリのネットワークにないため",
        )
        self.config = Path(work) / f"{topology.name}.ssh_config"  # one per lab: labs share the run's folder
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.config.write_text(_ssh_config(inventory, self.names, run_id), encoding="utf-8")
        for secret in inventory.secrets:
            recorder.secret(secret)
        self._servers = {
            name: Server(
                self.topology.servers[name],
                SshTransport(self._target(name, e), _control_path(run_id), e.ssh.sudo),
                recorder,
            )
            for name, e in self.names.items()
        }
        self.package_source = LocalPackages(self) if inventory.packages == "copy" else ExistingPackages(self)

    def _target(self, name: str, entry: Entry) -> ssh_preflight.Target:
        """How ssh reaches the server: for its transport, and for the preflight's own connection."""
        if entry.ssh.alias:
            return ssh_preflight.Target(
                entry.ssh.config,
                entry.ssh.alias,
                ("-o", f"UserKnownHostsFile={self.inventory.known_hosts}") if self.inventory.known_hosts else (),
            )
        return ssh_preflight.Target(str(self.config), _alias(name))

    # --- what the steps use (the Driver interface) ---------------------------------------
    def server(self, name: str) -> Server:
        if name not in self._servers:
            known = ", ".join(f"{n} ({e.name})" for n, e in self.names.items())
            raise InventoryError(
                f"{self.inventory.path}: lab '{self.topology.name}' has no server '{name}' (known: {known})"
            )
        return self._servers[name]

    @property
    def servers(self) -> list[Server]:
        """The servers the procedure works on (an inventory's helpers are addresses only)."""
        return [s for s in self._servers.values() if not s.spec.infrastructure]

    def restart(self, name: str) -> None:
        self.progress(f"rebooting server '{name}' ({self.names[name].name})")
        self.server(name).reboot()

    def image_tag(self, image: str) -> str:
        if self._image_tag is None:
            raise InventoryError(
                f"{self.inventory.path}: the step needs the lab image '{image}', and this run "
                "has no Docker engine to take it from"
            )
        return self._image_tag(image)

    def describe(self) -> list[ServerInfo]:
        return [
            ServerInfo(
                s.name,
                s.spec.role,
                f"inventory {self.inventory.path.name}",
                dict(s.spec.addresses),
                s.target,
                host=self.names[s.name].name,
            )
            for s in self.servers
        ]

    # --- lifecycle ----------------------------------------------------------------------
    def create(self) -> None:
        """Nothing is made: the servers are checked, and the run's packages put in place."""
        self.check()
        self.package_source.prepare()

    def check(self) -> None:
        """Before any step: every server answers over SSH with its host key verified, the
        key accepted, sudo without a password, and systemd as PID 1. An SSH failure is one
        line naming the host, the port and the cause (oat.drivers.ssh_preflight)."""
        for server in self.servers:
            name = server.name
            where = f"server '{self.names[name].name}' ({name}, {self.names[name].role}) of {self.inventory.path}"
            problem = ssh_preflight.check(self._target(name, self.names[name]), CONNECT_TIMEOUT)
            if problem is not None:
                raise InventoryError(f"{where}: ssh {problem}")
            problem = server.answer()
            if problem is not None:
                raise InventoryError(f"{where}: {_why(problem)}")
            init = server.raw("ps -o comm= -p 1").stdout.strip()
            if init != "systemd":
                raise InventoryError(f"{where}: PID 1 is '{init or '?'}', not systemd (the procedures need systemd)")

    def destroy(self) -> None:
        """Nothing of the servers is removed: only this run's SSH connections are closed."""
        for name, entry in self.names.items():
            way = self._target(name, entry)  # the same way in as the server's transport
            target = way.alias
            ssh = ["ssh", "-F", way.config, *way.options, "-o", f"ControlPath={_control_path(self.run_id)}"]
            subprocess.run([*ssh, "-O", "exit", target], capture_output=True, timeout=10)
            # The master removes its socket after answering `-O exit`: wait for that, so a run
            # that has ended has no connection left behind.
            socket = Path(_expanded_control_path(ssh, target) or "/nonexistent")
            wait_until(
                lambda: not socket.exists(),
                10,
                f"the SSH connection to {target} did not close ({socket})",
                interval=0.05,
            )

    def keep_instructions(self) -> str:
        return f"lab '{self.topology.name}': servers of {self.inventory.path} (nothing to remove)"

    def destroyed(self) -> str:
        return f"lab '{self.topology.name}': its SSH connections closed, the servers left as they are"


def _alias(name: str) -> str:
    return f"oat-{name}"


def _control_path(run_id: str) -> str:
    return f"/tmp/oat-{run_id[:8]}-%C"  # short: a socket path has ~100 bytes at most


def _expanded_control_path(ssh: list[str], target: str) -> str:
    """The socket path ssh uses for `target`, its %C expanded (ssh -G prints it so)."""
    shown = subprocess.run([*ssh, "-G", target], capture_output=True, text=True, timeout=10).stdout
    return next((line.split(" ", 1)[1] for line in shown.splitlines() if line.startswith("controlpath ")), "")


def _ssh_config(inventory: Inventory, names: dict[str, Entry], run_id: str) -> str:
    lines = ["# written by oat for one run: host keys verified, one connection per server reused"]
    for name, entry in names.items():
        if entry.ssh.alias:
            continue
        lines += [f"Host {_alias(name)}", f"  HostName {entry.ssh.host}", f"  Port {entry.ssh.port}"]
        lines += [f"  User {entry.ssh.user}"] if entry.ssh.user else []
        lines += [f"  IdentityFile {entry.ssh.key}", "  IdentitiesOnly yes"] if entry.ssh.key else []
        lines += [
            f"  UserKnownHostsFile {inventory.known_hosts}",
            "  StrictHostKeyChecking yes",
            "  BatchMode yes",
            f"  ConnectTimeout {CONNECT_TIMEOUT}",
            "  ControlMaster auto",
            f"  ControlPath {_control_path(run_id)}",
            f"  ControlPersist {CONTROL_PERSIST}",
            "",
        ]
    return "\n".join(lines) + "\n"


def _roles(topology: Topology) -> list[str]:
    return list(dict.fromkeys(s.role for s in topology.servers.values()))


def _match(inventory: Inventory, entry: LabEntry, topology: Topology) -> dict[str, Entry]:
    """Topology server name -> the inventory server of its role. Where a role has several
    servers, each inventory server is the one it names (`server:` / oat_server), else the one
    whose name it bears; never the one at the same position: an ambiguous server is an error."""
    names = {}
    for role in _roles(topology):
        wanted = [s.name for s in topology.servers.values() if s.role == role]
        have = [e for e in entry.servers if e.role == role]
        if not have and all(topology.servers[n].infrastructure for n in wanted):
            continue  # the lab's own helpers (its package source) may be absent
        if len(have) != len(wanted):
            servers = "server(s) with role" if inventory.kind == "oat" else "host(s) in group"
            raise InventoryError(
                f"{inventory.path}: {inventory.where_lab(entry.name)}: {len(have) or 'no'} {servers} "
                f"{role}; the procedure needs {len(wanted)} ({', '.join(wanted)})"
            )
        names.update(_pair(inventory, entry.name, role, wanted, have))
    return names


def _pair(inventory: Inventory, lab: str, role: str, wanted: list[str], have: list[Entry]) -> dict[str, Entry]:
    pairs: dict[str, Entry] = {}
    key = inventory.says_server
    for server in (e for e in have if e.server):
        where = f"{inventory.path}: {inventory.where(server, lab)}: {key}: '{server.server}'"
        if server.server not in wanted:
            raise InventoryError(
                f"{where} is no server of role {role} in lab '{lab}' (its servers of that role: {', '.join(wanted)})"
            )
        if server.server in pairs:
            raise InventoryError(
                f"{where} is said by {pairs[server.server].name} too (role {role}): one inventory server each"
            )
        pairs[server.server] = server
    for server in (e for e in have if not e.server and e.name in wanted and e.name not in pairs):
        pairs[server.name] = server
    left = [e for e in have if e not in pairs.values()]
    free = [name for name in wanted if name not in pairs]
    if len(left) == 1 and len(free) == 1:
        pairs[free[0]] = left[0]  # the one server of the role left for the one topology server left
    elif left:
        open_ = ", ".join(free) + ("" if len(free) == len(wanted) else " not yet taken")
        raise InventoryError(
            f"{inventory.path}: {inventory.where(left[0], lab)}: role {role} has {len(wanted)} servers "
            f"in lab '{lab}' ({open_}) and nothing says which one {left[0].name} is: "
            f"set {key}: {free[0]} (or another of them) on it, or name it after one"
        )
    return pairs


def _why(problem: str) -> str:
    """A server that ssh logs in to, but that does not run commands as oat needs."""
    text = problem.lower()
    for needle, said in (
        ("a password is required", "sudo asks for a password"),
        ("a terminal is required", "sudo asks for a password"),
    ):
        if needle in text:
            return f"{said}: {problem}"
    return problem


class ExistingPackages:
    """The servers' apt already reaches the packages: oat changes no apt source of theirs.
    A server the run makes (a virtual server) gets the apt sources, and the keys they name,
    of the inventory's first server."""

    def __init__(self, lab: InventoryLab):
        self.lab = lab

    def prepare(self) -> None:
        pass

    def configure(self, server) -> None:
        model = self.lab.servers[0]
        listed = model.raw("ls -1d /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null").stdout.split()
        files = {path: model.get_file(path) for path in listed}
        for text in list(files.values()):
            for key in re.findall(rb"(?i)signed-by[:=]\s*([^\s\]]+)", text):
                files.setdefault(key.decode(), model.get_file(key.decode()))
        for path, data in files.items():
            server.put_file(path, data)


class LocalPackages(ExistingPackages):
    """oat copies its .debs over SSH into a local repository on each server and adds it as
    an apt source (the only one when the inventory says rewrite_sources: true)."""

    def __init__(self, lab: InventoryLab):
        super().__init__(lab)
        self._index = ""

    def prepare(self) -> None:
        with tempfile.TemporaryDirectory(prefix="oat-index-") as tmp:
            for deb in self.lab.debs:
                (Path(tmp) / deb.filename).write_bytes(deb.path.read_bytes())
            self._index = subprocess.run(
                ["dpkg-scanpackages", "--multiversion", "."], cwd=tmp, capture_output=True, text=True, check=True
            ).stdout
        for server in self.lab.servers:
            self._local_repository(server)

    def configure(self, server) -> None:
        """A server the run makes: the sources of the inventory's first server, and oat's."""
        super().configure(server)
        self._local_repository(server)

    def _local_repository(self, server) -> None:
        for deb in self.lab.debs:
            server.put_file(f"{LOCAL_REPO}/{deb.filename}", deb.path.read_bytes())
        server.put_file(f"{LOCAL_REPO}/Packages", self._index)
        if self.lab.inventory.rewrite_sources:
            server.check(
                "rm -f /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources && : > /etc/apt/sources.list"
            )
        # The repository is a folder oat wrote over the verified SSH channel: apt reads it
        # from the server's own disk, so it carries no signature of its own.
        server.put_file(LOCAL_SOURCE, f"Types: deb\nURIs: file:{LOCAL_REPO}\nSuites: ./\nTrusted: yes\n")
