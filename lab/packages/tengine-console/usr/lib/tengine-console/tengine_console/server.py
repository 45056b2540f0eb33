"""The HTTPS listener: http.server's threading server with every connection in TLS 1.2+."""
from __future__ import annotations

import logging
import signal
import socket
import socketserver
import ssl
import threading
from http.server import ThreadingHTTPServer

from tengine_console.app import App, Handler
from tengine_console.config import Config, ConfigError
from tengine_console.errors import ConsoleError

HANDSHAKE_TIMEOUT = 10  # seconds a client may take to finish the TLS handshake


def tls_context(config: Config) -> ssl.SSLContext:
    """The server's TLS settings; a certificate or key that does not load is a config error."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # ssl does not say which file it could not open, so each is tried first.
    for key, path in (("web.cert", config.web.cert), ("web.key", config.web.key)):
        try:
            open(path, "rb").close()
        except OSError as error:
            raise ConfigError(
                f"{config.source}: {key}: cannot read {path} ({error.strerror})") from None
    try:
        context.load_cert_chain(config.web.cert, config.web.key)
    except ssl.SSLError as error:
        raise ConfigError(f"{config.source}: web.cert, web.key: {config.web.cert} and "
                          f"{config.web.key} are not a matching PEM certificate and key "
                          f"({error.reason or error})") from None
    return context


class ConsoleServer(ThreadingHTTPServer):
    daemon_threads = True  # a stop does not wait for slow clients: the pages only read

    def __init__(self, app: App, context: ssl.SSLContext, bind: str, port: int):
        self.app, self.context = app, context
        # The family of the configured address, so "::" (or an IPv6 address) works too.
        self.address_family = socket.getaddrinfo(bind, port, type=socket.SOCK_STREAM)[0][0]
        super().__init__((bind, port), Handler)

    def server_bind(self):
        # Only TCPServer's part: HTTPServer's adds an FQDN lookup (for CGI, unused here) that
        # can stall for seconds on a network without DNS.
        socketserver.TCPServer.server_bind(self)

    def get_request(self):
        connection, client = self.socket.accept()
        # The handshake waits for finish_request, in the request's own thread, so a slow
        # client cannot stall the accept loop.
        return self.context.wrap_socket(connection, server_side=True,
                                        do_handshake_on_connect=False), client

    def finish_request(self, request, client_address):
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            request.do_handshake()
        except OSError as error:  # ssl.SSLError too: e.g. TLS 1.1, or plain HTTP
            reason = getattr(error, "reason", None) or error
            self.app.log.info("%s TLS handshake failed: %s", client_address[0], reason)
            return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        self.app.log.exception("%s request failed", client_address[0])


def make_server(app: App, config: Config) -> ConsoleServer:
    context = tls_context(config)
    try:
        return ConsoleServer(app, context, config.web.bind, config.web.port)
    except OSError as error:
        raise ConsoleError(f"cannot listen on {config.web.bind}:{config.web.port}: "
                           f"{error.strerror or error}") from None


def serve_until_stopped(server: ConsoleServer, log: logging.Logger) -> None:
    """Serve in this thread until SIGTERM (systemctl stop) or SIGINT, then close the socket."""
    def stop(_signum, _frame):
        # shutdown() waits for serve_forever to return, and that runs in this very thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    server.serve_forever(poll_interval=0.5)
    server.server_close()
    log.info("tengine_console stopped")
