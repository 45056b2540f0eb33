"""The listener: a threading HTTP server that speaks TLS 1.2+ only."""
from __future__ import annotations

import errno
import socket
import socketserver
import ssl
from http.server import ThreadingHTTPServer
from pathlib import Path

from clweb.app import App, Handler
from clweb.config import Config
from clweb.errors import ClwebError

HANDSHAKE_TIMEOUT = 10.0


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except FileNotFoundError as error:
        raise ClwebError(f"TLS certificate or key not found: {error.filename or cert}") from None
    except (ssl.SSLError, OSError) as error:
        raise ClwebError(f"cannot load TLS certificate {cert} with key {key}: {error}") from None
    return context


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True  # a stop must not wait for slow clients

    def __init__(self, address: tuple[str, int], app: App, context: ssl.SSLContext):
        self.app = app
        self.context = context
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def server_bind(self):
        # HTTPServer.server_bind looks up the FQDN, which can hang on a closed network.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        # The handshake runs here, in the request's thread, so a slow or broken client
        # cannot stall the accept loop.
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            self.app.log.debug("TLS handshake with %s failed: %s", client_address[0], error)
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()

    def handle_error(self, request, client_address):
        self.app.log.exception("error while serving %s", client_address[0])

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"


def make_server(app: App, config: Config) -> TLSServer:
    """Load the certificate and bind; either failure is one line naming the file or address."""
    context = tls_context(app.home.in_config(config.ssl_cert), app.home.in_config(config.ssl_key))
    try:
        return TLSServer((config.bind, config.port), app, context)
    except OSError as error:
        host = f"[{config.bind}]" if ":" in config.bind else config.bind
        where = f"{host}:{config.port}"
        hint = " (is this address on this node?)" if error.errno == errno.EADDRNOTAVAIL else ""
        raise ClwebError(f"cannot bind {where}: {error.strerror or error}{hint}") from None
