"""The fencing endpoint: what the cluster nodes' management boards (BMC/IPMI, used by
CLUSTERPRO's forced stop) are in the Docker lab.

A node that has lost its peer must be able to power the peer off before it takes the group
over, and nothing else. So the endpoint:
- speaks the few calls of the Docker Engine API that fence-agents' `fence_docker` makes
  (the list, a container's state, start, kill, restart), so a real fence agent drives it;
- listens on the lab network's gateway, over TLS with a certificate of the lab's CA, and
  requires a client certificate of that CA: its common name says which node is calling;
- lets a node act only on its cluster peers, and answers 403 to everything else (another
  container, itself, any other call). No node reaches the engine or gets any other right.
Every call is kept (who, what, on whom, the answer) for the report.
"""

from __future__ import annotations

import json
import re
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from oat.errors import LabError

_CALL = re.compile(r"^/v[0-9.]+/containers/(?:(?P<plug>[^/?]+)/(?P<action>json|start|kill|restart)|json)$")


@dataclass
class Call:
    at: float
    caller: str
    method: str
    path: str
    plug: str
    status: int

    def __str__(self) -> str:
        return f"{time.strftime('%H:%M:%S', time.localtime(self.at))} {self.caller}: {self.method} {self.path} -> {self.status}"


class Machines:
    """The power of the lab's servers, through the engine (the boards' side of the wire)."""

    def __init__(self, client, containers: dict[str, str]):
        self.client = client
        self.containers = containers  # server name -> container name

    def running(self, name: str) -> bool:
        return bool(self.client.api.inspect_container(self.containers[name])["State"]["Running"])

    def off(self, name: str) -> None:
        """Power off at once (SIGKILL to every process, frozen or not); it stays off."""
        if self.running(name):
            self.client.api.kill(self.containers[name])

    def on(self, name: str) -> None:
        if not self.running(name):
            self.client.api.start(self.containers[name])

    def cycle(self, name: str) -> None:
        self.off(name)
        self.on(name)


# How long one caller may take over its TLS handshake or its request. A node cut off or
# frozen mid-call never finishes it; the other node's forced stop must not wait on that.
_PATIENCE = 10


class _TLSServer(ThreadingHTTPServer):
    """Each connection's TLS handshake runs in that connection's own thread, bounded: done at
    accept (a wrapped listening socket), one stalled caller would hold every other caller's."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler, context: ssl.SSLContext):
        self.context = context
        super().__init__(address, handler)

    def get_request(self):
        connection, address = self.socket.accept()
        return self.context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False), address

    def finish_request(self, request, client_address) -> None:
        request.settimeout(_PATIENCE)
        try:
            request.do_handshake()
        except OSError:  # ssl.SSLError and timeouts too: no certificate, or no handshake at all
            return
        super().finish_request(request, client_address)


class FencingEndpoint:
    def __init__(self, ca, address: str, port: int, peers: dict[str, list[str]], machines: Machines):
        """`peers`: for each node that may call, the nodes it may fence."""
        self.address, self.port = address, port
        self.peers = peers
        self.machines = machines
        self.calls: list[Call] = []
        self._ca = ca
        self._server: ThreadingHTTPServer | None = None
        self._dir = Path(tempfile.mkdtemp(prefix="oat-fencing-"))

    @property
    def url(self) -> str:
        return f"https://{self.address}:{self.port}"

    def start(self) -> None:
        issued = self._ca.issue(f"fencing endpoint {self.address}", ips=[self.address])
        cert, key, ca = self._dir / "endpoint.crt", self._dir / "endpoint.key", self._dir / "ca.crt"
        cert.write_bytes(issued.cert_pem)
        key.write_bytes(issued.key_pem)
        key.chmod(0o600)
        ca.write_bytes(self._ca.cert_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.verify_mode = ssl.CERT_REQUIRED  # no client certificate, no answer
        context.load_cert_chain(cert, key)
        context.load_verify_locations(ca)
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            timeout = _PATIENCE  # a caller that stops mid-request frees its thread

            def do_GET(self):
                endpoint._handle(self, "GET")

            def do_POST(self):
                endpoint._handle(self, "POST")

            def log_message(self, *args):  # calls are kept in endpoint.calls instead
                pass

        try:
            server = _TLSServer((self.address, self.port), Handler, context)
        except OSError as exc:
            raise LabError(f"fencing endpoint cannot listen on {self.address}:{self.port}: {exc.strerror}") from None
        self._server = server
        threading.Thread(target=server.serve_forever, name="oat-fencing", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for path in self._dir.glob("*"):
            path.unlink()
        self._dir.rmdir()

    def client_files(self, node: str) -> dict[str, bytes]:
        """What a node's fence agent needs: its client certificate and key, and the lab CA."""
        issued = self._ca.issue(node, client=True)
        return {"cert": issued.cert_pem, "key": issued.key_pem, "ca": self._ca.cert_pem}

    # --- the calls ----------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        caller = _common_name(request.connection.getpeercert())
        path = request.path.split("?", 1)[0]
        match = _CALL.match(path)
        plug = (match["plug"] or "") if match else ""
        status, body = self._answer(caller, method, match)
        self.calls.append(Call(time.time(), caller or "?", method, request.path, plug, status))
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def _answer(self, caller: str | None, method: str, match) -> tuple[int, object]:
        if match is None:
            return HTTPStatus.FORBIDDEN, {"message": "only the list, a peer's state, start, kill and restart"}
        if match["plug"] is None:  # the list (the agent's monitor): the caller's peers only
            if method != "GET" or caller not in self.peers:
                return HTTPStatus.FORBIDDEN, {"message": f"{caller or 'unknown'} may not list"}
            return HTTPStatus.OK, [
                {"Id": peer, "Names": [f"/{peer}"], "Status": "Up" if self.machines.running(peer) else "Exited"}
                for peer in self.peers[caller]
            ]
        plug, action = match["plug"], match["action"]
        if caller not in self.peers or plug not in self.peers[caller]:
            return HTTPStatus.FORBIDDEN, {"message": f"{caller or 'unknown'} may not act on {plug}"}
        if (action == "json") != (method == "GET"):
            return HTTPStatus.METHOD_NOT_ALLOWED, {"message": f"{method} {action}"}
        try:
            if action == "json":
                return HTTPStatus.OK, {"Name": f"/{plug}", "State": {"Running": self.machines.running(plug)}}
            {"start": self.machines.on, "kill": self.machines.off, "restart": self.machines.cycle}[action](plug)
        except Exception as exc:  # noqa: BLE001 - the agent must see a failure, not a hang
            return HTTPStatus.INTERNAL_SERVER_ERROR, {"message": str(exc)[:200]}
        return HTTPStatus.NO_CONTENT if action != "json" else HTTPStatus.OK, {}


def _common_name(peer: dict | None) -> str | None:
    for entry in (peer or {}).get("subject", ()):
        for key, value in entry:
            if key == "commonName":
                return value
    return None
