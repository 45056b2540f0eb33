"""The session browser reaches loopback and the labs' subnets only: a real headless Chromium
started with the suite's arguments. Nothing here leaves loopback: the far address goes to
the proxy that is not there, which is the point."""

from __future__ import annotations

import http.server
import ipaddress
import threading

import pytest

from oat.model.project import OAT_HOME
from oat.plugin.web import CHROMIUM, chromium_args, lab_subnets

TOPOLOGIES = OAT_HOME / "lab" / "topologies"


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=chromium_args(lab_subnets(TOPOLOGIES)))
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
    subnets = [ipaddress.ip_network(s) for s in lab_subnets(TOPOLOGIES)]
    assert ipaddress.ip_network("192.168.10.0/24") in subnets  # the guide's own (clweb)
    assert all(s.is_private for s in subnets)


def test_loopback_is_reached_directly(page, local_site):
    assert page.goto(local_site, timeout=5000).status == 200


@pytest.mark.parametrize("url", ["https://accounts.google.com/", "http://192.0.2.1/"])
def test_a_name_or_an_address_outside_the_labs_is_not_reached(page, url):
    with pytest.raises(Exception, match="ERR_PROXY_CONNECTION_FAILED"):
        page.goto(url, timeout=5000)


class _Flaky:
    """A page whose first navigation is aborted because the host's network changed."""

    def __init__(self, error: str):
        self.error, self.tries = error, 0

    def goto(self, url, wait_until, timeout):
        self.tries += 1
        if self.tries == 1:
            raise RuntimeError(f"Page.goto: {self.error} at {url}")
        return "answered"


def test_a_navigation_aborted_by_a_network_change_is_retried_and_nothing_else():
    from oat.vocabulary.browser import open_page

    flaky = _Flaky("net::ERR_NETWORK_CHANGED")
    assert open_page(flaky, "https://10.231.10.22/login", 2000) == "answered" and flaky.tries == 2
    refused = _Flaky("net::ERR_CONNECTION_REFUSED")
    with pytest.raises(RuntimeError, match="ERR_CONNECTION_REFUSED"):
        open_page(refused, "https://10.231.10.22/login", 2000)
    assert refused.tries == 1


class FormPage:
    """A page whose form's first sending is aborted by a network change (Chromium's error page)."""

    def __init__(self, aborted: int):
        self.aborted, self.url, self.sent, self.backs = aborted, "https://lab/mypage", 0, 0

    def send(self):
        self.sent += 1
        self.url = "chrome-error://chromewebdata/" if self.sent <= self.aborted else "https://lab/mypage?saved"

    def content(self):
        return "ERR_NETWORK_CHANGED" if self.url.startswith("chrome-error") else "<p id=notice>saved</p>"

    def inner_text(self, _):
        return self.content()

    def locator(self, _):
        shown = self.url.endswith("saved")
        return type("L", (), {"first": type("F", (), {"is_visible": lambda _self: shown})()})()

    def go_back(self, wait_until):
        self.backs += 1
        self.url = "https://lab/mypage"

    def wait_for_timeout(self, ms):
        pass


def test_a_form_aborted_by_a_network_change_is_sent_again():
    from oat.vocabulary.browser import submit

    page = FormPage(aborted=1)
    submit(page, page.send, "#notice")
    assert (page.sent, page.backs) == (2, 1)


def test_a_form_that_never_shows_its_answer_fails_naming_the_page():
    from oat.vocabulary.browser import submit

    page = FormPage(aborted=10**6)
    with pytest.raises(AssertionError, match="does not show #notice within 0.3 s: ERR_NETWORK_CHANGED"):
        submit(page, page.send, "#notice", timeout_ms=300)
