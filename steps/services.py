"""Steps about the products' services: auto-start, start, stop, running or not."""
from __future__ import annotations

from pytest_bdd import parsers, step, then, when

from oat.wait import wait_until
from oat.safety import disruptive
from steps.cluster import SIDES, node_of, nodes
from steps.packages import PART, SAME_PART


def _service(lab, product, side):
    return lab.server(node_of(product, side)), product["clweb.service"]


@then(parsers.re(f"{SIDES}で CL/Web の自動起動が登録されている"))
def autostart_registered(lab, product, side):
    server, service = _service(lab, product, side)
    assert server.host.service(service).is_enabled, f"{service} is not enabled on {server.name}"


@then(parsers.re(f"{SIDES}で CL/Web の自動起動が無効になっている"))
def autostart_disabled(lab, product, side):
    _assert_disabled(*_service(lab, product, side))


@then("両系で CL/Web の自動起動が無効のままである")
def autostart_stays_disabled(lab, product):
    """What (3) and (8) disabled stays so: the cluster alone starts CL/Web (no package
    upgrade, reboot or failover may turn auto-start back on)."""
    for node in nodes(product):
        _assert_disabled(lab.server(node), product["clweb.service"])


def _assert_disabled(server, service: str) -> None:
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


# --- a product's parts (lab/products/*.yaml `parts`): DB, queue, Tengine core... ---------

def _listening(server, port: int) -> bool:
    """Listening where the lab's clients reach it: all IPv4 or IPv6 addresses, or the server's own."""
    return any(server.host.socket(f"tcp://{where}:{port}").is_listening
               for where in ("0.0.0.0", "::", server.address))


@step(parsers.re(f"{PART}の {SAME_PART}を起動する"))
def start_part(parts, part):
    _systemctl_part(parts, part, "start")


@step(parsers.re(f"{PART}の {SAME_PART}を(?P<action>停止|再起動)する"))
@disruptive
def stop_or_restart_part(parts, part, action):
    _systemctl_part(parts, part, {"停止": "stop", "再起動": "restart"}[action])


def _systemctl_part(parts, part: str, verb: str) -> None:
    spec = parts.part(part)
    units = " ".join((*spec.also_stop, spec.service)) if verb == "stop" else spec.service
    for server in parts.servers(part):
        server.check("systemctl %s %s" % (verb, units))


@then(parsers.re(f"{PART}で {SAME_PART}のプロセスが起動し(?:、ポートで待ち受けて|て)いる"))
def part_running(parts, part):
    spec = parts.part(part)
    for server in parts.servers(part):
        wait_until(lambda: server.host.service(spec.service).is_running, 60,
                   f"{spec.service} is not running on {server.name}")
        for process in spec.processes:
            assert server.run("pgrep -x %s", process).rc == 0, f"no {process} process on {server.name}"
        for port in spec.ports:
            wait_until(lambda: _listening(server, port), 60,
                       f"{server.name}: nothing listens on TCP port {port} ({part})")


@then(parsers.re(f"{PART}で {SAME_PART}のプロセスが停止している"))
def part_stopped(parts, part):
    spec = parts.part(part)
    for server in parts.servers(part):
        state = server.run("systemctl is-active %s", spec.service).stdout.strip()
        assert state == "inactive", f"{spec.service} on {server.name} is '{state}', expected 'inactive' (a clean stop)"
        for process in spec.processes:
            left = server.run("pgrep -a -x %s", process).stdout.strip()
            assert not left, f"{process} still runs on {server.name}: {left}"
        for port in spec.ports:
            assert not _listening(server, port), f"{server.name}: TCP port {port} is still open ({part})"


@then(parsers.re(f"{PART}で {SAME_PART}の自動起動が有効になっている"))
def part_enabled(parts, part):
    spec = parts.part(part)
    for server in parts.servers(part):
        assert server.host.service(spec.service).is_enabled, f"{spec.service} is not enabled on {server.name}"


@when(parsers.re(f"{PART}を再起動する"))
@disruptive
def reboot_part_servers(lab, parts, part):
    for server in parts.servers(part):
        lab.restart(server.name)
