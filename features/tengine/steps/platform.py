"""Steps of the virtual server platform (仮想サーバ基盤, use case 000 basic course 5-9): ask
it for free resources, have it create a virtual server from the server image, and configure
that server so the core can log in and the agent can reach the queue."""

from __future__ import annotations

import re

from pytest_bdd import parsers, then, when

from features.tengine.steps import TYPES, fill, plain, shell
from features.tengine.steps.state import Ran
from oat.drivers.virtual import VirtualServer
from oat.errors import LabError
from oat.model.topology import Server
from oat.wait import wait_until

PLATFORM = "仮想サーバ基盤"
AGENT = "Tengineジョブエージェント"
CORE = "Tengineコア"


def platform(parts):
    """The platform's server (the first of its part)."""
    return parts.servers(PLATFORM)[0]


def virtual_server(parts, name: str):
    """A virtual server the platform made in this run, by name; a one-line error otherwise."""
    found = [s for s in parts.virtual if s.name == name]
    if not found:
        raise LabError(
            f"no virtual server '{name}' was created in this run "
            f"(made: {', '.join(s.name for s in parts.virtual) or 'none'})"
        )
    return found[0]


@when("仮想サーバ基盤 に空きリソースを問い合わせる")
def ask_free_resources(parts, product, tengine_state):
    """Ask the platform for its free resources and keep the answer."""
    server = platform(parts)
    tengine_state.resources = Ran(server, server.run(product["platform.resources"]))


@then("問い合わせが成功し、CPU・メモリ・稼働中の仮想サーバ数が返る")
def resources_answered(parts, product, tengine_state, recorder):
    """The platform answered with its CPUs, memory and running servers; the answer is attached."""
    result = tengine_state.needs("resources", "仮想サーバ基盤 に空きリソースを問い合わせる").result
    assert result.rc == 0, (
        f"{platform(parts).name}: `{product['platform.resources']}` exited {result.rc}: {result.stderr.strip()}"
    )
    found = {}
    for label, field in product["platform.resource_fields"].items():
        match = re.search(fill(product["platform.resource_line"], re.escape, field=field), result.stdout, re.MULTILINE)
        assert match, f"the platform's answer has no '{field}' line"
        found[label] = match.group(1).strip()
    assert int(found["CPU"]) >= 1, f"the platform reports {found['CPU']} CPUs"
    recorder.attach("text", "仮想サーバ基盤の空きリソース", "\n".join(f"{k}: {v}" for k, v in found.items()))


@when(
    parsers.parse('仮想サーバ基盤 へサーバイメージから仮想サーバ "{name:q}" の作成リクエストを送る', extra_types=TYPES)
)
def create_virtual_server(lab, parts, product, recorder, name):
    """Hand the server image to the platform and have it create the virtual server from it."""
    host = platform(parts)
    image = lab.image_tag("server")
    # The server image is registered with the platform first (as an image would be uploaded
    # to any platform); the lab's engine hands it over.
    export = shell(product["platform.export_image"], image=image)
    host.feed(export, product["platform.load_image"], f"({export}) | {product['platform.load_image']}")
    host.check(
        shell(parts.render(product["platform.create"]), name=name, ssh_port=product["job_server.ssh_port"], image=image)
    )
    spec = Server(name=name, role=AGENT, image="server", addresses={"platform": host.address})
    parts.add(VirtualServer(spec, host, recorder))


@then(parsers.parse('仮想サーバ "{name:q}" が作成され起動している', extra_types=TYPES))
def virtual_server_runs(parts, product, name):
    """The platform lists the virtual server as running, and its systemd finished booting."""
    server = virtual_server(parts, name)
    listed = platform(parts).check(shell(product["platform.list"], name=name))
    assert listed.startswith(plain(product["platform.running"], name=name)), (
        f"the platform lists '{listed.strip()}' for {name}"
    )
    state = {"text": ""}

    def booted():
        state["text"] = server.run("systemctl is-system-running").stdout.strip()
        return state["text"] == "running"

    wait_until(booted, 60, lambda: f"virtual server {name} did not boot: systemd says '{state['text']}'")


@when(
    parsers.parse(
        '仮想サーバ "{name:q}" にホスト名、Tengineコアがログインするユーザと SSH 鍵、パッケージ取得元を設定する',
        extra_types=TYPES,
    )
)
def configure_virtual_server(lab, parts, product, name):
    """Check the host name, add the user the core logs in as with the core's key, and set the package source."""
    server = virtual_server(parts, name)
    assert server.check("hostname").strip() == name, f"{name}: hostname is not {name}"
    for command in product["job_server.login_setup"]:
        server.check(parts.render(command))
    core = parts.servers(CORE)[0]
    key = product["job_server.authorized_key"]
    path = parts.render(key["to"])
    server.put_file(path, core.check("cat %s", parts.render(key["from"])), mode=0o600)
    server.check("chown %s: %s", product["job_server.user"], path)
    lab.package_source.configure(server)
    # The core trusts the new server's host key, as it does the SCM's.
    core.check(parts.render(product["job_server.trust_host_key"]))


@then(parsers.parse('Tengineコア から仮想サーバ "{name:q}" に SSH でログインできる', extra_types=TYPES))
def core_logs_in(parts, product, name):
    """The core logs in to the virtual server over SSH with its key and reaches that server."""
    core = parts.servers(CORE)[0]
    answer = core.check(parts.render(product["job_server.login"]))
    assert answer.strip() == name, (
        f"SSH to {platform(parts).address}:{product['job_server.ssh_port']} reached '{answer.strip()}'"
    )


@then(parsers.parse('仮想サーバ "{name:q}" からキューに接続できる', extra_types=TYPES))
def server_reaches_queue(parts, product, name):
    """The virtual server opens a TCP connection to the queue's port."""
    server = virtual_server(parts, name)
    queue = parts.address("キュー")
    result = server.run(f"timeout 5 bash -c 'exec 3<>/dev/tcp/{queue}/{product['queue.port']}'")
    assert result.rc == 0, f"{name} cannot open {queue}:{product['queue.port']}: {result.stderr.strip()}"
