"""Tests for the jcclweb package (the CL/Web stand-in). The lib is imported straight from the
package tree, and the servers run on 127.0.0.1 with a throwaway certificate."""

from __future__ import annotations

import http.client
import itertools
import shutil
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from jcclweb_tree import INSTALL, VERSION  # first: puts the package's lib on sys.path
from clweb import logs
from clweb.app import App
from clweb.config import Config
from clweb.home import Home
from clweb.tlsserver import make_server

TEST_CONF = '$bind = "127.0.0.1"\n$port = "0"\n$ssl_cert = "ssl/server.crt"\n$ssl_key = "ssl/server.key"\n'


@pytest.fixture(scope="session")
def cert(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed pair valid for 127.0.0.1, made once per run."""
    folder = tmp_path_factory.mktemp("cert")
    crt, key = folder / "server.crt", folder / "server.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(crt),
        ],
        check=True,
        capture_output=True,
    )
    return crt, key


@pytest.fixture
def home(tmp_path, cert) -> Home:
    """An install root as postinst leaves it, listening on 127.0.0.1 on a free port."""
    root = tmp_path / "jcclweb"
    shutil.copytree(INSTALL / "share" / "config.default", root / "config")
    (root / "VERSION").write_text(VERSION + "\n")
    (root / "config" / "clweb.conf").write_text(TEST_CONF)
    for source in cert:
        shutil.copy(source, root / "config" / "ssl" / source.name)
    return Home(root)


@pytest.fixture
def client_context(cert) -> ssl.SSLContext:
    """Verifies the server against the test certificate (verification stays on)."""
    return ssl.create_default_context(cafile=str(cert[0]))


_names = itertools.count()


@pytest.fixture
def start_server(home):
    """start_server() -> a running in-process server on home; each call is a new process's
    worth of state (no sessions), as after a restart or a failover."""
    running = []

    def start(config: Config = Config(bind="127.0.0.1", port=0)):
        log = logs.setup(home.log_file, stderr=False, name=f"clweb.test{next(_names)}")
        server = make_server(App(home, log), config)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        running.append(server)
        return server

    yield start
    for server in running:
        server.shutdown()
        server.server_close()


class Client:
    """A browser in miniature: HTTPS to one server, keeps the session cookie, no redirects."""

    def __init__(self, server, context: ssl.SSLContext):
        self.port = server.server_address[1]
        self.context = context
        self.cookie: str | None = None

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        from urllib.parse import urlencode

        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=5)
        headers = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            headers["Cookie"] = self.cookie
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8")
        finally:
            connection.close()
        set_cookie = response.getheader("Set-Cookie")
        if set_cookie:
            pair = set_cookie.split(";", 1)[0]
            self.cookie = None if pair.endswith("=") else pair
        return response, text


@pytest.fixture
def client_for(client_context):
    return lambda server: Client(server, client_context)
