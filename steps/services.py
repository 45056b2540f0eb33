"""Steps about the products' services: auto-start, start, stop, running or not."""
from __future__ import annotations

from pytest_bdd import parsers, then, when

from oat.wait import wait_until
from steps.cluster import SIDES, node_of


def _service(lab, product, side):
    return lab.server(node_of(product, side)), product["clweb.service"]


@then(parsers.re(f"{SIDES}で CL/Web の自動起動が登録されている"))
def autostart_registered(lab, product, side):
    server, service = _service(lab, product, side)
    assert server.host.service(service).is_enabled, f"{service} is not enabled on {server.name}"


@then(parsers.re(f"{SIDES}で CL/Web の自動起動が無効になっている"))
def autostart_disabled(lab, product, side):
    server, service = _service(lab, product, side)
    state = server.run("systemctl is-enabled %s", service).stdout.strip()
    assert state == "disabled", f"{service} on {server.name} is '{state}', expected 'disabled'"


@when(parsers.re(f"{SIDES}で CL/Web のサービスを(?P<action>起動|停止)する"))
def start_or_stop(lab, product, side, action):
    server, service = _service(lab, product, side)
    server.check("systemctl %s %s" % ("start" if action == "起動" else "stop", service))


@then(parsers.re(f"{SIDES}で CL/Web のサービスが起動していない"))
def not_running(lab, product, side):
    server, service = _service(lab, product, side)
    process = product["clweb.process"]
    assert not server.host.service(service).is_running, f"{service} runs on {server.name}"
    assert server.run("pgrep -x %s", process).rc != 0, f"a {process} process runs on {server.name}"


@then(parsers.re(f"{SIDES}で CL/Web のサービスが起動している"))
def running(lab, product, side):
    server, service = _service(lab, product, side)
    process = product["clweb.process"]
    wait_until(lambda: server.host.service(service).is_running, 30,
               f"{service} is not running on {server.name}")
    assert server.run("pgrep -x %s", process).rc == 0, f"no {process} process on {server.name}"
