"""tengine_job_agent.yml: found where the original agent looked for it, and checked key by key.

Every key has the contract's default except connection.host: a file that does not say where
the queue is is a mistake (a misspelt section would otherwise mean localhost without a
word). Keys the agent does not use are ignored."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from tengine_job_agent.errors import ConfigError

SEARCH_PATH = ("./tengine_job_agent.yml", "./config/tengine_job_agent.yml",
               "/etc/tengine_job_agent.yml")
DEFAULT_LOG_DIR = "/var/log/tengine_job_agent"
EXCHANGE_TYPES = ("direct", "fanout", "topic", "headers")
REQUIRED = object()


@dataclass(frozen=True)
class Queue:
    """Where the agent's events go: the broker, its exchange, and the routing key (the name
    of the core's queue)."""
    host: str
    port: int
    vhost: str
    user: str
    password: str
    exchange: str
    exchange_type: str
    exchange_durable: bool
    name: str

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Config:
    path: Path  # absolute: the watchdog, started elsewhere, reads the same file
    queue: Queue
    heartbeat_interval: float  # s
    log_dir: Path


def find(option: str | None, search: tuple[str, ...] = SEARCH_PATH) -> Path:
    """The file `-c` names, else the first of search that exists."""
    if option:
        return Path(option)
    for candidate in search:
        if Path(candidate).is_file():
            return Path(candidate).absolute()
    raise ConfigError(f"no config file: none of {', '.join(search)}")


def load(option: str | None = None, search: tuple[str, ...] = SEARCH_PATH) -> Config:
    """The settings; a ConfigError names the file and the key."""
    path = find(option, search)
    keys = _Keys(path, _read(path))
    queue = Queue(
        host=keys.get("connection.host", str, REQUIRED, _not_empty),
        port=keys.get("connection.port", int, 5672, _port),
        vhost=keys.get("connection.vhost", str, "/", _not_empty),
        user=keys.get("connection.user", str, "guest", _not_empty),
        password=keys.get("connection.pass", str, "guest"),
        exchange=keys.get("exchange.name", str, "tengine_event_exchange", _not_empty),
        exchange_type=keys.get("exchange.type", str, "direct", _exchange_type),
        exchange_durable=keys.get("exchange.durable", bool, True),
        name=keys.get("queue.name", str, "tengine_event_queue", _not_empty))
    return Config(path=path.absolute(), queue=queue,
                  heartbeat_interval=keys.get("heartbeat.job.interval", float, 5, _positive),
                  log_dir=Path(keys.get("log_dir", str, DEFAULT_LOG_DIR, _not_empty)))


def _read(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise ConfigError(f"{path}: not valid YAML (line {mark.line + 1}, column"
                          f" {mark.column + 1}: {error.problem or error.context})") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from None


def _describe(value: object) -> str:
    """A value in an error message: strings quoted, YAML's words for the rest."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value) if isinstance(value, str) else str(value)


EXPECTED = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _fits(kind: type, value: object) -> bool:
    if isinstance(value, bool):  # YAML's true is a Python int too: never take one for the other
        return kind is bool
    return isinstance(value, (int, float) if kind is float else kind)


class _Keys:
    """The document's values by dotted key, each checked against its type and check."""

    def __init__(self, path: Path, data: object):
        if data is not None and not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of sections, got {_describe(data)}")
        self.path, self.data = path, data or {}

    def get(self, dotted: str, kind: type, default: object, check=None):
        node: object = self.data
        parts = dotted.split(".")
        for depth, part in enumerate(parts):
            if node is None:
                break
            if not isinstance(node, dict):
                section = ".".join(parts[:depth])
                raise ConfigError(f"{self.path}: {section}: expected a mapping,"
                                  f" got {_describe(node)}")
            node = node.get(part)
        if node is None:  # absent, or a key with nothing after the colon
            if default is REQUIRED:
                raise ConfigError(f"{self.path}: missing key {dotted}")
            return default
        if not _fits(kind, node):
            raise ConfigError(f"{self.path}: {dotted}: expected {EXPECTED[kind]},"
                              f" got {_describe(node)}")
        problem = check(node) if check else None
        if problem:
            raise ConfigError(f"{self.path}: {dotted}: {problem}")
        return node


def _not_empty(value: str) -> str | None:
    return "must not be empty" if value == "" else None


def _port(value: int) -> str | None:
    return None if 1 <= value <= 65535 else f"expected a port number (1-65535), got {value}"


def _positive(value: float) -> str | None:
    return None if value > 0 else f"expected a number of seconds above 0, got {value}"


def _exchange_type(value: str) -> str | None:
    if value in EXCHANGE_TYPES:
        return None
    return f"expected one of {', '.join(EXCHANGE_TYPES)}, got {_describe(value)}"
