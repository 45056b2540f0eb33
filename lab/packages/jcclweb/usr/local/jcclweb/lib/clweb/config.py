"""clweb.conf: perl-like `$key = "value"` lines, `#` comments, a fixed set of keys."""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from pathlib import Path

from clweb.errors import ClwebError

LINE = re.compile(
    r"""^\$(?P<key>\w+)\s*=\s*"""
    r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'#;]+))"""
    r"""\s*;?\s*(?:\#.*)?$"""
)


@dataclass(frozen=True)
class Config:
    bind: str = "0.0.0.0"  # a commented-out $bind means every address
    port: int = 443
    ssl_cert: str = "ssl/server.crt"
    ssl_key: str = "ssl/server.key"


def _bind(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f'"{value}" is not an IP address') from None


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise ValueError(f'"{value}" is not a port number (0-65535)')
    return int(value)


def _path(value: str) -> str:
    if not value:
        raise ValueError("the path is empty")
    return value


CONVERT = {"bind": _bind, "port": _port, "ssl_cert": _path, "ssl_key": _path}


def parse(text: str, source: str = "clweb.conf") -> Config:
    """The settings in text; an error names source, line number and key."""
    values: dict = {}
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        if not match:
            raise ClwebError(f"{source}:{number}: expected $key = \"value\", got: {line}")
        key = match["key"]
        where = f"{source}:{number}: ${key}"
        if key not in CONVERT:
            known = ", ".join(f"${k}" for k in CONVERT)
            raise ClwebError(f"{where}: unknown setting (known: {known})")
        if key in seen:
            raise ClwebError(f"{where}: set twice (first on line {seen[key]})")
        seen[key] = number
        value = next(v for v in (match["dq"], match["sq"], match["bare"]) if v is not None)
        try:
            values[key] = CONVERT[key](value)
        except ValueError as error:
            raise ClwebError(f"{where}: {error}") from None
    return replace(Config(), **values)


def load(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ClwebError(f"{path}: not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ClwebError(f"{path}: cannot read: {error}") from None
    return parse(text, str(path))
