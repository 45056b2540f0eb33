"""Tests for the tengine-console package. The lib is imported straight from the package tree;
servers run in process on 127.0.0.1 with a throwaway certificate and a fake store (the test
environment has no psycopg2 and no PostgreSQL)."""

from __future__ import annotations

import datetime
import ipaddress
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from console_tree import PASSWORD, TREE  # first: puts the package's lib on sys.path
from tengine_console.app import App
from tengine_console.config import Config, load
from tengine_console.log import open_log
from tengine_console.server import make_server
from tengine_console.sessions import Sessions
from tengine_console.store import DbUnavailable
from tengine_console.users import UserFile


@pytest.fixture(scope="session")
def cert(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made once per run."""
    folder = tmp_path_factory.mktemp("cert")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, False, False, False), critical=True
        )  # digital signature (TLS) and certificate sign (trust anchor)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    crt_path, key_path = folder / "server.crt", folder / "server.key"
    crt_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return crt_path, key_path


@pytest.fixture
def config_file(tmp_path, cert) -> Path:
    """The package's own console.yml, with the test certificate."""
    text = (TREE / "etc" / "tengine" / "console.yml").read_text()
    text = text.replace("/etc/tengine/console/server.crt", str(cert[0]))
    text = text.replace("/etc/tengine/console/server.key", str(cert[1]))
    path = tmp_path / "console.yml"
    path.write_text(text)
    return path


@pytest.fixture
def config(config_file) -> Config:
    """config_file as loaded, on a free port of 127.0.0.1 (a port the file cannot say: 0)."""
    loaded = load(config_file)
    return replace(loaded, web=replace(loaded.web, bind="127.0.0.1", port=0))


class FakeStore:
    """Store's methods over lists; records the filters asked for; fails while `down` is set."""

    def __init__(self):
        self.rows = {"events": [], "jobnets": [], "executions": [], "virtual_servers": []}
        self.event_filters: list[str | None] = []
        self.down: DbUnavailable | None = None

    def _answer(self, table):
        if self.down:
            raise self.down
        return self.rows[table]

    def events(self, event_type_name=None):
        self.event_filters.append(event_type_name)
        return self._answer("events")

    def jobnets(self):
        return self._answer("jobnets")

    def executions(self):
        return self._answer("executions")

    def virtual_servers(self):
        return self._answer("virtual_servers")

    def ping(self):
        self._answer("events")


@pytest.fixture
def users(tmp_path) -> UserFile:
    users = UserFile(tmp_path / "console_users")
    users.set("alice", PASSWORD, iterations=1000)  # cheap to check; the format is the same
    return users


@dataclass
class Console:
    port: int
    store: FakeStore
    log_file: Path
    server: object

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"


@pytest.fixture
def console(tmp_path, config, users):
    """A running console on 127.0.0.1 with a fake store."""
    log_file = tmp_path / "console.log"
    store = FakeStore()
    app = App(users, store, Sessions(config.session_timeout), open_log(str(log_file)))
    server = make_server(app, config)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield Console(server.server_address[1], store, log_file, server)
    server.shutdown()
    server.server_close()


class Browser(requests.Session):
    """A browser in miniature: trusts only the test certificate, follows no redirects."""

    def __init__(self, console: Console, cert: Path):
        super().__init__()
        self.console = console
        self.verify = str(cert)
        self.trust_env = False  # else REQUESTS_CA_BUNDLE (or a proxy) from the environment wins

    def request(self, method, path, **kwargs):
        kwargs["allow_redirects"] = False  # get() asks for True; the tests check each hop
        kwargs.setdefault("timeout", 5)
        return super().request(method, self.console.url + path, **kwargs)

    def login(self, user="alice", password=PASSWORD):
        return self.post("/login", data={"user": user, "password": password})


@pytest.fixture
def browser(console, cert) -> Browser:
    with Browser(console, cert[0]) as session:
        yield session


@pytest.fixture
def logged_in(browser) -> Browser:
    assert browser.login().status_code == 302
    return browser
