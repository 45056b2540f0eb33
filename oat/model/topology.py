"""The declarative lab topology: servers, networks and shared volumes, read from YAML.

A topology names everything a procedure talks about (server names, roles, addresses), so
the step code stays free of product and lab specifics. Validation errors name the file and
the key, in one line.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path

from oat.errors import LabError
from oat.model import yamlfile

NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
CAPABILITY = re.compile(r"^(ALL|[A-Z][A-Z_]+)$")
PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


class TopologyError(LabError):
    """A topology file that cannot describe a lab."""


@dataclass(frozen=True)
class Network:
    name: str
    subnet: ipaddress.IPv4Network

    @property
    def gateway(self) -> str:
        # Docker's bridge takes the first host address; the host reaches servers through it.
        return str(next(self.subnet.hosts()))


@dataclass(frozen=True)
class Volume:
    name: str
    description: str = ""


@dataclass(frozen=True)
class Mount:
    volume: str
    path: str


@dataclass(frozen=True)
class Server:
    name: str
    role: str
    image: str
    addresses: dict[str, str]
    mounts: tuple[Mount, ...] = ()
    description: str = ""
    # Servers marked infrastructure (the package source) serve the lab, not the procedure.
    infrastructure: bool = False
    # Linux capabilities beyond Docker's default set (which is enough for systemd as PID 1);
    # ALL is for a nested container engine only.
    capabilities: tuple[str, ...] = ()
    # What the procedure installs on this server at test time: Debian packages (the lab's
    # package source serves them, with their dependencies) and .deb files kept in the project
    # (paths relative to the project's top).
    packages: tuple[str, ...] = ()
    debs: tuple[str, ...] = ()
    # The memory the server is given, in MiB (None: as much as the engine's machine has), as a
    # production server is sized: the 事前条件's hardware check reads what the server sees.
    memory_mib: int | None = None

    @property
    def address(self) -> str:
        """The server's address on its first network."""
        return next(iter(self.addresses.values()))


@dataclass(frozen=True)
class Topology:
    name: str
    description: str
    networks: dict[str, Network]
    servers: dict[str, Server]
    volumes: dict[str, Volume] = field(default_factory=dict)
    # The server that serves the lab's apt repository (see oat.drivers.packages); every other
    # server gets it as its only package source.
    package_source: str | None = None
    source: str = "<memory>"

    def server(self, name: str) -> Server:
        try:
            return self.servers[name]
        except KeyError:
            known = ", ".join(self.servers)
            raise TopologyError(f"unknown server '{name}' in lab '{self.name}' (known: {known})") from None

    @property
    def procedure_servers(self) -> list[Server]:
        """The servers the documents talk about, without the lab's own infrastructure."""
        return [s for s in self.servers.values() if not s.infrastructure]

    def images(self) -> list[str]:
        return sorted({s.image for s in self.servers.values()})

    def packages(self) -> list[str]:
        """The Debian packages its servers list."""
        return sorted({p for s in self.servers.values() for p in s.packages})

    def debs(self) -> list[str]:
        """The project's .deb files its servers list."""
        return sorted({d for s in self.servers.values() for d in s.debs})


def load(path: Path) -> Topology:
    data = yamlfile.read(path, "topology file", TopologyError)
    return parse(data, source=str(path))


def parse(data: object, source: str = "<memory>") -> Topology:
    where = _Where(source)
    if not isinstance(data, dict):
        raise where.error("", "must be a mapping with name, networks and servers")
    name = where.text(data, "name", pattern=NAME)
    networks = _networks(where, data.get("networks"))
    volumes = _volumes(where, data.get("volumes") or [])
    servers = _servers(where, data.get("servers"), networks, volumes)
    package_source = data.get("package_source")
    if package_source is not None and package_source not in servers:
        raise where.error("package_source", f"'{package_source}' is not a server of this topology")
    return Topology(
        name=name,
        description=str(data.get("description") or "").strip(),
        networks=networks,
        servers=servers,
        volumes=volumes,
        package_source=package_source,
        source=source,
    )


def _networks(where: _Where, items: object) -> dict[str, Network]:
    if not isinstance(items, list) or not items:
        raise where.error("networks", "must be a non-empty list")
    networks: dict[str, Network] = {}
    for i, item in enumerate(items):
        key = f"networks[{i}]"
        name = where.text(item, "name", key, pattern=NAME)
        raw = where.text(item, "subnet", key)
        try:
            subnet = ipaddress.IPv4Network(raw)
        except ValueError:
            raise where.error(f"{key}.subnet", f"'{raw}' is not an IPv4 subnet") from None
        if subnet.num_addresses < 8:
            raise where.error(f"{key}.subnet", f"'{raw}' is too small for a lab")
        for other in networks.values():
            if subnet.overlaps(other.subnet):
                raise where.error(f"{key}.subnet", f"'{raw}' overlaps network '{other.name}'")
        if name in networks:
            raise where.error(f"{key}.name", f"network '{name}' is defined twice")
        networks[name] = Network(name, subnet)
    return networks


def _volumes(where: _Where, items: object) -> dict[str, Volume]:
    if not isinstance(items, list):
        raise where.error("volumes", "must be a list")
    volumes: dict[str, Volume] = {}
    for i, item in enumerate(items):
        name = where.text(item, "name", f"volumes[{i}]", pattern=NAME)
        if name in volumes:
            raise where.error(f"volumes[{i}].name", f"volume '{name}' is defined twice")
        volumes[name] = Volume(name, str(item.get("description", "")))
    return volumes


def _servers(where, items, networks, volumes) -> dict[str, Server]:
    if not isinstance(items, list) or not items:
        raise where.error("servers", "must be a non-empty list")
    servers: dict[str, Server] = {}
    taken: dict[str, str] = {}
    for i, item in enumerate(items):
        key = f"servers[{i}]"
        name = where.text(item, "name", key, pattern=NAME)
        if name in servers:
            raise where.error(f"{key}.name", f"server '{name}' is defined twice")
        key = f"servers.{name}"
        addresses = _addresses(where, item.get("addresses"), key, networks, taken, name)
        mounts = _mounts(where, item.get("mounts") or [], key, volumes)
        servers[name] = Server(
            name=name,
            role=where.text(item, "role", key),
            image=where.text(item, "image", key, pattern=NAME),
            addresses=addresses,
            mounts=mounts,
            description=str(item.get("description") or "").strip(),
            infrastructure=_flag(where, item.get("infrastructure", False), f"{key}.infrastructure"),
            capabilities=_capabilities(where, item.get("capabilities") or [], key),
            packages=_names(where, item.get("packages") or [], f"{key}.packages", PACKAGE, "a Debian package name"),
            debs=_debs(where, item.get("debs") or [], f"{key}.debs"),
            memory_mib=_memory(where, item.get("memory"), f"{key}.memory"),
        )
    return servers


def _names(where, raw, key, pattern, what) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise where.error(key, "must be a list")
    for j, name in enumerate(raw):
        if not isinstance(name, str) or not pattern.match(name):
            raise where.error(f"{key}[{j}]", f"'{name}' is not {what}")
    return tuple(raw)


def _debs(where, raw, key) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise where.error(key, "must be a list of .deb files (paths from the project's top)")
    for j, path in enumerate(raw):
        if not isinstance(path, str) or not path.endswith(".deb") or path.startswith("/"):
            raise where.error(f"{key}[{j}]", f"'{path}' is not a .deb file's path from the project's top")
    return tuple(raw)


def _addresses(where, raw, key, networks, taken, server) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        raise where.error(f"{key}.addresses", "must map network names to addresses")
    addresses: dict[str, str] = {}
    for net_name, addr in raw.items():
        akey = f"{key}.addresses.{net_name}"
        if net_name not in networks:
            raise where.error(akey, f"unknown network '{net_name}' (known: {', '.join(networks)})")
        net = networks[net_name]
        try:
            ip = ipaddress.IPv4Address(str(addr))
        except ValueError:
            raise where.error(akey, f"'{addr}' is not an IPv4 address") from None
        if ip not in net.subnet or ip in (net.subnet.network_address, net.subnet.broadcast_address):
            raise where.error(akey, f"{ip} is not a host address of {net.subnet}")
        if str(ip) == net.gateway:
            raise where.error(akey, f"{ip} is the gateway of network '{net_name}' (taken by the host)")
        if str(ip) in taken:
            raise where.error(akey, f"{ip} is already the address of server '{taken[str(ip)]}'")
        taken[str(ip)] = server
        addresses[net_name] = str(ip)
    return addresses


def _flag(where, raw, key) -> bool:
    if not isinstance(raw, bool):
        raise where.error(key, f"'{raw}' must be true or false (unquoted)")
    return raw


def _memory(where, raw, key) -> int | None:
    """`memory: 512M` or `memory: 2G` (MiB or GiB), at least 64 MiB; absent: unlimited."""
    if raw is None:
        return None
    found = re.fullmatch(r"([1-9][0-9]*)\s*([MG])i?B?", str(raw).strip(), re.IGNORECASE)
    if not found:
        raise where.error(key, f"'{raw}' is not a memory size such as 512M or 2G")
    mib = int(found[1]) * (1024 if found[2].upper() == "G" else 1)
    if mib < 64:
        raise where.error(key, f"'{raw}' is too little for a server (at least 64M)")
    return mib


def _capabilities(where, raw, key) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise where.error(f"{key}.capabilities", "must be a list such as [NET_ADMIN]")
    for j, cap in enumerate(raw):
        if not CAPABILITY.match(str(cap)):
            raise where.error(f"{key}.capabilities[{j}]", f"'{cap}' is not a capability name such as NET_ADMIN")
    return tuple(str(c) for c in raw)


def _mounts(where, raw, key, volumes) -> tuple[Mount, ...]:
    if not isinstance(raw, list):
        raise where.error(f"{key}.mounts", "must be a list of {volume, path}")
    mounts = []
    for j, m in enumerate(raw):
        mkey = f"{key}.mounts[{j}]"
        vol = where.text(m, "volume", mkey)
        if vol not in volumes:
            raise where.error(f"{mkey}.volume", f"unknown volume '{vol}'")
        path = where.text(m, "path", mkey)
        if not path.startswith("/"):
            raise where.error(f"{mkey}.path", f"'{path}' is not an absolute path")
        mounts.append(Mount(vol, path))
    return tuple(mounts)


class _Where:
    """Builds errors that name the file and the key."""

    def __init__(self, source: str):
        self.source = source

    def error(self, key: str, problem: str) -> TopologyError:
        return TopologyError(f"{self.source}: {key + ': ' if key else ''}{problem}")

    def text(self, item: object, field_name: str, key: str = "", pattern=None) -> str:
        full = f"{key}.{field_name}" if key else field_name
        if not isinstance(item, dict):
            raise self.error(key, "must be a mapping")
        value = item.get(field_name)
        if value is None or str(value).strip() == "":
            raise self.error(full, "is missing")
        value = str(value).strip()
        if pattern is not None and not pattern.match(value):
            raise self.error(full, f"'{value}' must match {pattern.pattern}")
        return value
