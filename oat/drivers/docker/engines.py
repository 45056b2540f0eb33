"""Where a run's labs live: the Docker engine, as data.

An engine is named the way the docker CLI names one:

  unix:///var/run/docker.sock   a socket on this machine
  tcp://HOST:PORT               an engine over TCP, always TLS verified against a CA: the CA,
                                client certificate and key (ca.pem, cert.pem, key.pem) come
                                from --engine-certs DIR or DOCKER_CERT_PATH
  ssh://USER@HOST[:PORT]        an engine reached over SSH (the OpenSSH client, as the CLI does)
  NAME                          a docker context (`docker context inspect NAME`: its host and
                                TLS material)

`resolve()` turns a name into an `Engine`; `apply()` sets the process's environment from it
(DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH; DOCKER_CONTEXT unset), which the docker SDK
(`docker.from_env`) and the docker CLI (each server's `docker exec` transport) both honour. It is
applied once, before anything connects. TLS is never set up without verification: the SDK
would take a DOCKER_CERT_PATH without DOCKER_TLS_VERIFY as "encrypt, trust anyone", so an
Engine with TLS material always sets both, and one without sets neither.

Under pytest-xdist each worker takes its own engine from `--engines A,B,...`: worker gwN
takes the Nth modulo their number (`for_worker`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from oat.errors import LabError

LOCAL = "unix:///var/run/docker.sock"  # this machine's own engine
TLS_FILES = ("ca.pem", "cert.pem", "key.pem")
VARIABLES = ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT")
FORMS = "unix:///PATH, tcp://HOST:PORT (TLS), ssh://USER@HOST or a docker context name"


class EngineError(LabError):
    """An engine named in a way oat cannot (or will not) use."""


@dataclass(frozen=True)
class Engine:
    name: str  # as given: a URL or a context name
    host: str  # the DOCKER_HOST it stands for
    cert_path: str | None = None  # TLS material, always verified; None: no TLS (unix, ssh)
    context: str | None = None  # the docker context it came from

    @property
    def ssh(self) -> bool:
        """Reached over SSH: the SDK must use the OpenSSH client, as the CLI does."""
        return self.host.startswith("ssh://")

    def environment(self) -> dict[str, str | None]:
        """The variables that select this engine (None: unset)."""
        return {
            "DOCKER_HOST": self.host,
            "DOCKER_TLS_VERIFY": "1" if self.cert_path else None,
            "DOCKER_CERT_PATH": self.cert_path,
            "DOCKER_CONTEXT": None,  # the CLI would otherwise weigh a context against DOCKER_HOST
        }

    def describe(self) -> str:
        """The engine as the report and error lines name it."""
        where = f"{self.host} (docker context {self.context})" if self.context else self.host
        return f"{where}, TLS verified against {self.cert_path}/ca.pem" if self.cert_path else where


def resolve(
    name: str,
    certs: str | os.PathLike | None = None,
    environ: MutableMapping[str, str] | None = None,
    inspect: Callable[[str], dict] | None = None,
) -> Engine:
    """The engine `name` stands for. certs: a directory with ca.pem, cert.pem and key.pem for a
    tcp:// engine (else DOCKER_CERT_PATH). inspect: how a context is read (tests pass a fake)."""
    environ = os.environ if environ is None else environ
    name = name.strip()
    if not name:
        raise EngineError(f"an empty engine name (expected {FORMS})")
    if "://" not in name:
        return _from_context(name, inspect or context_inspect)
    url = urlsplit(name)
    if url.scheme == "unix":
        if url.netloc or not url.path.startswith("/"):
            raise EngineError(f"engine {name}: a socket needs an absolute path (unix:///var/run/docker.sock)")
        return Engine(name, name)
    if url.scheme == "ssh":
        if not url.hostname:
            raise EngineError(f"engine {name}: no host (ssh://USER@HOST)")
        return Engine(name, name)
    if url.scheme == "tcp":
        if not url.hostname or url.path not in ("", "/"):
            raise EngineError(f"engine {name}: expected tcp://HOST:PORT")
        try:
            url.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            raise EngineError(f"engine {name}: the port is not a number") from None
        source = str(certs) if certs else environ.get("DOCKER_CERT_PATH") or None
        if not source:
            raise EngineError(
                f"engine {name}: a TCP engine needs TLS verified against a CA: give --engine-certs DIR "
                f"(or DOCKER_CERT_PATH) holding {', '.join(TLS_FILES)}"
            )
        return Engine(name, name, cert_path=_tls_dir(Path(source), name))
    raise EngineError(f"engine {name}: unknown form '{url.scheme}://' (expected {FORMS})")


def _tls_dir(path: Path, name: str) -> str:
    missing = [f for f in TLS_FILES if not (path / f).is_file()]
    if missing:
        raise EngineError(f"engine {name}: {path} lacks {', '.join(missing)} (TLS needs {', '.join(TLS_FILES)})")
    return str(path.resolve())


def _from_context(name: str, inspect: Callable[[str], dict]) -> Engine:
    data = inspect(name)
    endpoint = (data.get("Endpoints") or {}).get("docker") or {}
    host = endpoint.get("Host") or ""
    if not host:
        raise EngineError(f"docker context {name}: it names no Docker endpoint")
    if endpoint.get("SkipTLSVerify"):
        raise EngineError(f"docker context {name}: it skips TLS verification, which oat never does")
    material = (data.get("TLSMaterial") or {}).get("docker") or []
    certs = Path((data.get("Storage") or {}).get("TLSPath") or "") / "docker" if material else None
    if host.startswith("tcp://") and certs is None:
        raise EngineError(
            f"docker context {name}: {host} has no TLS material (ca.pem, cert.pem, key.pem); "
            "oat talks to a TCP engine only over verified TLS"
        )
    if not re.match(r"(unix|tcp|ssh)://", host):
        raise EngineError(f"docker context {name}: endpoint {host} is not one of {FORMS}")
    engine = resolve(host, certs=certs if host.startswith("tcp://") else None, environ={}, inspect=inspect)
    return Engine(name, engine.host, engine.cert_path, context=name)


def context_inspect(name: str) -> dict:
    """`docker context inspect NAME` as data (the CLI's own context store)."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    try:
        done = subprocess.run(
            ["docker", "context", "inspect", name], capture_output=True, text=True, env=env, timeout=30
        )
    except FileNotFoundError:
        raise EngineError(f"engine {name}: not a URL ({FORMS}), and no docker CLI to read contexts") from None
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["?"])[0]
        raise EngineError(f"engine {name}: not a URL ({FORMS}) nor a docker context: {why}")
    found = json.loads(done.stdout or "[]")
    if not found:
        raise EngineError(f"engine {name}: no docker context of that name")
    return found[0]


def chosen_name(engine: str | None, engines: str | None, worker: str | None) -> str | None:
    """Which engine this process uses: --engine, or from --engines the one for this xdist
    worker (gwN takes the Nth modulo their number; no worker: the first); None: the default."""
    if engine and engines:
        raise EngineError("give --engine or --engines, not both")
    if engine:
        return engine
    if engines is None:
        return None
    names = named(None, engines)
    number = re.fullmatch(r"gw(\d+)", worker or "")
    return names[int(number.group(1)) % len(names)] if number else names[0]


def named(engine: str | None, engines: str | None) -> list[str]:
    """Every engine --engine or --engines names, in order."""
    if engine:
        return [engine]
    if engines is None:
        return []
    names = [n.strip() for n in engines.split(",") if n.strip()]
    if not names:
        raise EngineError(f"--engines '{engines}' names no engine")
    return names


def for_worker(
    engine: str | None,
    engines: str | None,
    worker: str | None,
    certs=None,
    environ: MutableMapping[str, str] | None = None,
    inspect=None,
) -> Engine | None:
    name = chosen_name(engine, engines, worker)
    return None if name is None else resolve(name, certs=certs, environ=environ, inspect=inspect)


_applied: Engine | None = None


def apply(engine: Engine, environ: MutableMapping[str, str] | None = None) -> None:
    """Select `engine` for this process (the SDK and the CLI follow)."""
    global _applied
    environ = os.environ if environ is None else environ
    for key, value in engine.environment().items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    if environ is os.environ:
        _applied = engine


def environment_of(engine: Engine, base: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """A copy of `base` (default: this process's environment) that selects `engine`."""
    environ = dict(os.environ if base is None else base)
    apply(engine, environ)
    return environ


def applied() -> Engine | None:
    """The engine this process was given (None: the environment's, as docker.from_env reads it)."""
    return _applied
