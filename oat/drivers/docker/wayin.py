"""The test runner's way into labs on another engine.

A lab on this machine's engine is routed: its bridges are this machine's, so the runner (its
HTTP checks, its browser) reaches every server's address directly. A lab on another engine
(tcp://, ssh://, a nested engine) is not: its networks live on that machine. The way in is a
SOCKS5 proxy on this machine's loopback. Each connection through it is one `docker exec -i`
into a server of the lab that is on the destination's network (the package source first: no
fault ever touches it), where a few lines of Python connect to the destination and relay the
bytes. It goes wherever the engine's API goes (TLS verified, or over SSH), needs no port
published on the other machine, and refuses any destination that is not an address of a lab
of this run: nothing goes anywhere else.
"""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import struct
import subprocess
import threading
from collections.abc import Callable

# Runs in the lab's server: connect, say so with one byte (0 ok, 1 refused), then relay.
RELAY = (
    "import os,socket,sys,threading\n"
    "try:\n"
    " s=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=10)\n"
    "except OSError as e:\n"
    " os.write(1,b'\\x01');sys.stderr.write(str(e));sys.exit(1)\n"
    "s.settimeout(None);os.write(1,b'\\x00')\n"
    "def up():\n"
    " while True:\n"
    "  d=os.read(0,65536)\n"
    "  if not d:\n"
    "   s.shutdown(socket.SHUT_WR);return\n"
    "  s.sendall(d)\n"
    "threading.Thread(target=up,daemon=True).start()\n"
    "while True:\n"
    " d=s.recv(65536)\n"
    " if not d:break\n"
    " os.write(1,d)\n"
)

# SOCKS5 (RFC 1928) replies
SUCCEEDED, NOT_ALLOWED, REFUSED, UNSUPPORTED = 0x00, 0x02, 0x05, 0x07


class WayIn:
    """A SOCKS5 proxy on 127.0.0.1 whose connections come out inside the labs.

    `entry(address)` names the container to come out of for a destination address, or None
    when the address is on no lab of this run (refused)."""

    def __init__(self, entry: Callable[[str], str | None], docker: str = "docker"):
        self.entry = entry
        self.docker = docker
        self.refused: list[str] = []  # destinations refused: not a lab's
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                outer._serve(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The proxy as requests takes it (socks5h: no name is looked up on this machine)."""
        return f"socks5h://127.0.0.1:{self._server.server_address[1]}"

    @property
    def browser_proxy(self) -> str:
        """The proxy as Chromium takes it (its socks5 sends names to the proxy as they are)."""
        return f"socks5://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> WayIn:
        self._thread = threading.Thread(target=self._server.serve_forever, name="oat-way-in", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- one connection ---------------------------------------------------------------
    def _serve(self, client: socket.socket) -> None:
        destination = _handshake(client)
        if destination is None:
            return
        host, port = destination
        container = self._entry(host)
        if container is None:
            self.refused.append(f"{host}:{port}")
            _reply(client, NOT_ALLOWED)
            return
        relay = subprocess.Popen(
            [self.docker, "exec", "-i", container, "python3", "-c", RELAY, host, str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
        )
        try:
            if relay.stdout.read(1) != b"\x00":
                _reply(client, REFUSED)
                return
            _reply(client, SUCCEEDED)
            threading.Thread(target=_upstream, args=(client, relay), daemon=True).start()
            while data := relay.stdout.read(65536):
                client.sendall(data)
            client.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the client went away: the relay goes with it
        finally:
            if relay.poll() is None:
                relay.kill()
            relay.wait()

    def _entry(self, host: str) -> str | None:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return None  # a name: the lab's checks always send addresses
        return self.entry(host)


def _upstream(client: socket.socket, relay: subprocess.Popen) -> None:
    try:
        while data := client.recv(65536):
            relay.stdin.write(data)
    except OSError:
        pass
    finally:
        try:
            relay.stdin.close()  # the destination sees the end of what the client sent
        except OSError:
            pass


def _handshake(client: socket.socket) -> tuple[str, int] | None:
    """SOCKS5 without authentication (loopback only), CONNECT only: (host, port) or None."""
    try:
        version, count = _read(client, 2)
        methods = _read(client, count)
        if version != 5 or 0 not in methods:
            client.sendall(b"\x05\xff")
            return None
        client.sendall(b"\x05\x00")
        version, command, _, kind = _read(client, 4)
        if kind == 1:
            host = socket.inet_ntoa(_read(client, 4))
        elif kind == 3:
            host = _read(client, _read(client, 1)[0]).decode("ascii", "replace")
        elif kind == 4:
            host = socket.inet_ntop(socket.AF_INET6, _read(client, 16))
        else:
            _reply(client, UNSUPPORTED)
            return None
        (port,) = struct.unpack("!H", _read(client, 2))
        if command != 1:
            _reply(client, UNSUPPORTED)
            return None
        return host, port
    except (OSError, ValueError):
        return None


def _read(client: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = client.recv(size - len(data))
        if not chunk:
            raise ValueError("the client closed the connection during the handshake")
        data += chunk
    return data


def _reply(client: socket.socket, code: int) -> None:
    client.sendall(bytes([5, code, 0, 1, 0, 0, 0, 0, 0, 0]))
