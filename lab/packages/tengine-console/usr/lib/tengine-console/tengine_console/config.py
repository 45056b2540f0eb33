"""/etc/tengine/console.yml: every key required and checked, each error naming file and key."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from tengine_console.errors import ConsoleError

DEFAULT_PATH = "/etc/tengine/console.yml"


class ConfigError(ConsoleError):
    """A missing or bad config file; tengine_console exits 2 on it."""


@dataclass(frozen=True)
class WebConfig:
    bind: str
    port: int
    cert: str
    key: str


@dataclass(frozen=True)
class DbConfig:
    host: str
    port: int
    database: str
    user: str
    password: str

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Config:
    source: str  # the file it came from, for errors found later (e.g. an unreadable cert)
    web: WebConfig
    db: DbConfig
    session_timeout: int


def _string(value) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _nonempty(value) -> str:
    if not _string(value):
        raise ValueError("must not be empty")
    return value


def _integer(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):  # YAML true is a bool, not 1
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _port(value) -> int:
    if not 1 <= _integer(value) <= 65535:
        raise ValueError(f"expected a port number (1-65535), got {value}")
    return value


def _seconds(value) -> int:
    if _integer(value) <= 0:
        raise ValueError(f"expected a positive number of seconds, got {value}")
    return value


SCHEMA = {
    "web": {"bind": _nonempty, "port": _port, "cert": _nonempty, "key": _nonempty},
    "db": {"host": _nonempty, "port": _port, "database": _nonempty, "user": _nonempty,
           "password": _string},
    "session": {"timeout": _seconds},
}


def _mapping(value, source: str, where: str) -> dict:
    if value is None:
        return {}  # an empty file or section: reported below as its first missing key
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: {where}: expected a mapping, got {value!r}")
    return value


def _unknown(data: dict, known, source: str, prefix: str = "") -> None:
    # Checked before the missing keys, so a misspelt key is named as what it is.
    for key in data:
        if key not in known:
            raise ConfigError(f"{source}: {prefix}{key}: unknown key")


def parse(data, source: str) -> Config:
    """The checked settings in data (as YAML loaded them) from the file named source."""
    top = _mapping(data, source, "top level")
    _unknown(top, SCHEMA, source)
    sections = {}
    for name, fields in SCHEMA.items():
        if name not in top:
            raise ConfigError(f"{source}: missing key {name}")
        section = _mapping(top[name], source, name)
        _unknown(section, fields, source, f"{name}.")
        values = {}
        for key, check in fields.items():
            if key not in section:
                raise ConfigError(f"{source}: missing key {name}.{key}")
            try:
                values[key] = check(section[key])
            except ValueError as error:
                raise ConfigError(f"{source}: {name}.{key}: {error}") from None
        sections[name] = values
    return Config(source, WebConfig(**sections["web"]), DbConfig(**sections["db"]),
                  sections["session"]["timeout"])


def load(path: str | Path) -> Config:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(f"{path}: not valid YAML ({where}{problem})") from None
    return parse(data, str(path))
