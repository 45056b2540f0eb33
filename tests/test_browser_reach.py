"""The session browser reaches loopback and the labs' subnets only: a real headless Chromium
started with the suite's arguments. Nothing here leaves loopback: the far address goes to
the proxy that is not there, which is the point."""
from __future__ import annotations

import http.server
import ipaddress
import threading

import pytest

from fixtures.web import CHROMIUM, chromium_args, lab_subnets


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=chromium_args(lab_subnets()))
        yield chromium.new_page()
        chromium.close()


@pytest.fixture
def local_site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_the_labs_subnets_are_the_topologies_networks():
    subnets = [ipaddress.ip_network(s) for s in lab_subnets()]
    assert ipaddress.ip_network("192.168.10.0/24") in subnets  # the guide's own (clweb)
    assert all(s.is_private for s in subnets)


def test_loopback_is_reached_directly(page, local_site):
    assert page.goto(local_site, timeout=5000).status == 200


@pytest.mark.parametrize("url", ["https://accounts.google.com/", "http://192.0.2.1/"])
def test_a_name_or_an_address_outside_the_labs_is_not_reached(page, url):
    with pytest.raises(Exception, match="ERR_PROXY_CONNECTION_FAILED"):
        page.goto(url, timeout=5000)
