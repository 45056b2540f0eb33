"""tengined.yml: the original's sections, checked into frozen dataclasses.

The dataclasses are the schema: a field's type is the type the key must have, its default is
the contract's default, and a field without a default is required. Only the two server hosts
are required: a file that does not say where the DB and the queue are is a mistake (a
misspelt section would otherwise mean localhost without a word). Keys the reference does not
use are ignored, so a file written for the original Tengine still loads. A list of sections
(`job_servers`) is a tuple of dataclasses; its errors name the entry: `job_servers[0].host`."""
from __future__ import annotations

import typing
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from pathlib import Path

from tengine_core import yamlfile
from tengine_core.errors import ConfigError

DEFAULT_PATH = "/etc/tengine/tengined.yml"
LOG_LEVELS = ("debug", "info", "warn", "error", "fatal")
EXCHANGE_TYPES = ("direct", "fanout", "topic", "headers")


def _not_empty(value):
    return "must not be empty" if value == "" else None


def _port(value):
    return None if 1 <= value <= 65535 else f"expected a port number (1-65535), got {value}"


def _one_of(*choices):
    def check(value):
        if value not in choices:
            return f"expected one of {', '.join(choices)}, got {yamlfile.describe(value)}"
        return None
    return check


def setting(default=MISSING, check=None, key=None):
    """A key: its default (none = required), an extra check returning a problem or None, and
    its name in the file when that is not a Python name (`pass`)."""
    return field(default=default, metadata={"check": check, "key": key})


def section(cls):
    return field(default_factory=cls)


@dataclass(frozen=True)
class Process:
    daemon: bool = False
    pid_dir: str = setting("/run/tengine", _not_empty)


@dataclass(frozen=True)
class Scm:
    url: str = ""  # "" = no SCM: nothing to load
    branch: str = setting("main", _not_empty)
    ssh_key: str = setting("/etc/tengine/ssh/id_ed25519", _not_empty)
    known_hosts: str = setting("/etc/tengine/ssh/known_hosts", _not_empty)


@dataclass(frozen=True)
class Tengined:
    load_path: str = setting("/var/lib/tengine/jobnets", _not_empty)
    scm: Scm = section(Scm)


class Endpoint:
    """A server the core connects to, named in messages as host:port."""

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Db(Endpoint):
    host: str = setting(check=_not_empty)
    port: int = setting(5432, _port)
    database: str = setting("tengine", _not_empty)
    user: str = setting("tengine", _not_empty)
    password: str = ""


@dataclass(frozen=True)
class QueueConnection(Endpoint):
    host: str = setting(check=_not_empty)
    port: int = setting(5672, _port)
    vhost: str = setting("/", _not_empty)
    user: str = setting("guest", _not_empty)
    password: str = setting("guest", key="pass")


@dataclass(frozen=True)
class Exchange:
    name: str = setting("tengine_event_exchange", _not_empty)
    type: str = setting("direct", _one_of(*EXCHANGE_TYPES))
    durable: bool = True


@dataclass(frozen=True)
class Queue:
    name: str = setting("tengine_event_queue", _not_empty)
    durable: bool = True


@dataclass(frozen=True)
class EventQueue:
    connection: QueueConnection
    exchange: Exchange = section(Exchange)
    queue: Queue = section(Queue)


@dataclass(frozen=True)
class LogCommon:
    output: str = setting("/var/log/tengine", _not_empty)
    level: str = setting("info", _one_of(*LOG_LEVELS))


@dataclass(frozen=True)
class JobServer(Endpoint):
    """A server jobs run on, reached over SSH; the key and known_hosts default to the scm's
    ("" here until Config fills them in)."""
    name: str = setting(check=_not_empty)
    host: str = setting(check=_not_empty)
    port: int = setting(22, _port)
    user: str = setting("tengine", _not_empty)
    ssh_key: str = setting("", _not_empty)
    known_hosts: str = setting("", _not_empty)


@dataclass(frozen=True)
class Config:
    db: Db
    event_queue: EventQueue
    process: Process = section(Process)
    tengined: Tengined = section(Tengined)
    log_common: LogCommon = section(LogCommon)
    job_servers: tuple[JobServer, ...] = ()

    def __post_init__(self):
        scm = self.tengined.scm
        servers = tuple(replace(server, ssh_key=server.ssh_key or scm.ssh_key,
                                known_hosts=server.known_hosts or scm.known_hosts)
                        for server in self.job_servers)
        object.__setattr__(self, "job_servers", servers)  # frozen: filled in once, here

    def job_server(self, name: str) -> JobServer | None:
        return next((server for server in self.job_servers if server.name == name), None)


EXPECTED = {bool: "true or false", int: "an integer", str: "a string", tuple: "a list"}


class _Problem(Exception):
    """What is wrong at one key; load() adds the file name."""


def _fits(kind: type, value: object) -> bool:
    # YAML's true/false are Python bools, and bool is an int: never take one for the other.
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


def _build(cls, data: object, where: str):
    if data is None:
        data = {}
    if not isinstance(data, dict):
        got = yamlfile.describe(data)
        raise _Problem(f"{where}: expected a mapping, got {got}" if where
                       else f"expected a mapping of sections, got {got}")
    types = typing.get_type_hints(cls)
    values = {}
    for spec in fields(cls):
        key = spec.metadata.get("key") or spec.name
        dotted = f"{where}.{key}" if where else key
        kind, value = types[spec.name], data.get(key)
        if is_dataclass(kind):
            values[spec.name] = _build(kind, value, dotted)
        elif typing.get_origin(kind) is tuple and value is not None:
            values[spec.name] = _build_list(typing.get_args(kind)[0], value, dotted)
        elif value is None:  # absent, or a key with nothing after the colon
            if spec.default is MISSING:
                raise _Problem(f"missing key {dotted}")
        elif not _fits(kind, value):
            raise _Problem(f"{dotted}: expected {EXPECTED[kind]}, got {yamlfile.describe(value)}")
        else:
            check = spec.metadata.get("check")
            problem = check and check(value)
            if problem:
                raise _Problem(f"{dotted}: {problem}")
            values[spec.name] = value
    return cls(**values)


def _build_list(cls, data: object, where: str) -> tuple:
    """A list of cls sections; entries are told apart by their names."""
    if not isinstance(data, list):
        raise _Problem(f"{where}: expected a list, got {yamlfile.describe(data)}")
    items = tuple(_build(cls, item, f"{where}[{index}]") for index, item in enumerate(data))
    names = [getattr(item, "name", None) for item in items]
    for index, name in enumerate(names):
        if name is not None and name in names[:index]:
            raise _Problem(f"{where}[{index}].name: '{name}' is the name of"
                           f" {where}[{names.index(name)}] already")
    return items


def load(path: str | Path = DEFAULT_PATH) -> Config:
    """The settings in path; a ConfigError names the file and the key."""
    data = yamlfile.read(Path(path), ConfigError)
    try:
        return _build(Config, data, "")
    except _Problem as problem:
        raise ConfigError(f"{path}: {problem}") from None
