"""The way into labs on another engine: a SOCKS5 proxy on loopback whose connections come out
inside the lab through `docker exec -i`. Here a stand-in `docker` runs the relay on this
machine, so the relay's own code, the proxy and requests' SOCKS client are the real ones."""

from __future__ import annotations

import http.server
import socket
import threading

import pytest
import requests

from oat import webclient
from oat.drivers.docker.wayin import WayIn


@pytest.fixture
def docker(tmp_path):
    """`docker exec -i CONTAINER python3 -c RELAY HOST PORT`, run here (the container ignored)."""
    path = tmp_path / "docker"
    path.write_text('#!/bin/sh\nshift 3\nexec "$@"\n')
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def web():
    """A web server on loopback: the lab's server, as the proxy reaches it."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"page {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def way_in(docker):
    entered = []

    def entry(address):
        entered.append(address)
        return "lab-repo" if address == "127.0.0.1" else None

    proxy = WayIn(entry, docker=docker).start()
    proxy.entered = entered
    webclient.route_through(proxy.url)
    yield proxy
    webclient.route_through(None)
    proxy.stop()


def test_a_lab_address_is_reached_through_the_lab(way_in, web):
    for n in range(3):  # each connection its own relay
        answer = webclient.get(f"http://127.0.0.1:{web}/p{n}", timeout=10)
        assert (answer.status_code, answer.text) == (200, f"page /p{n}")
    assert way_in.entered == ["127.0.0.1"] * 3


def test_an_address_of_no_lab_is_refused_and_nothing_is_sent(way_in):
    with pytest.raises(requests.RequestException):
        webclient.get("http://192.0.2.1/", timeout=10)
    assert way_in.refused == ["192.0.2.1:80"]


def test_a_closed_port_in_the_lab_is_refused(way_in):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(requests.ConnectionError):
        webclient.get(f"http://127.0.0.1:{closed}/", timeout=10)


def test_without_a_way_in_requests_go_straight(web):
    assert webclient.session().proxies == {}
    assert webclient.get(f"http://127.0.0.1:{web}/x", timeout=10).text == "page /x"
