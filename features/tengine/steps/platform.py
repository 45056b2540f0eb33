"""Steps of the virtual server platform (仮想サーバ基盤, use case 000 basic course 5-9): ask
it for free resources, have it create a virtual server from the server image, and configure
that server so the core can log in and the agent can reach the queue."""
from __future__ import annotations

import re
import shlex

from pytest_bdd import parsers, then, when

from oat.errors import LabError
from oat.topology import Server
from oat.virtual import VirtualServer
from oat.wait import wait_until

PLATFORM = "仮想サーバ基盤"
AGENT = "Tengineジョブエージェント"


def platform(parts):
    return parts.servers(PLATFORM)[0]


def virtual_server(parts, name: str):
    found = [s for s in parts.virtual if s.name == name]
    if not found:
        raise LabError(f"no virtual server '{name}' was created in this run "
                       f"(made: {', '.join(s.name for s in parts.virtual) or 'none'})")
    return found[0]


@when("仮想サーバ基盤 に空きリソースを問い合わせる")
def ask_free_resources(parts, product, tengine_state):
    result = platform(parts).run(product["platform.resources"])
    tengine_state["resources"] = result


@then("問い合わせが成功し、CPU・メモリ・稼働中の仮想サーバ数が返る")
def resources_answered(parts, product, tengine_state, recorder):
    result = tengine_state["resources"]
    assert result.rc == 0, f"{platform(parts).name}: `{product['platform.resources']}` exited {result.rc}: {result.stderr.strip()}"
    found = {}
    for label, field in product["platform.resource_fields"].items():
        match = re.search(rf"^\s*{re.escape(field)}:\s*(.+)$", result.stdout, re.MULTILINE)
        assert match, f"the platform's answer has no '{field}' line"
        found[label] = match.group(1).strip()
    assert int(found["CPU"]) >= 1, f"the platform reports {found['CPU']} CPUs"
    recorder.attach("text", "仮想サーバ基盤の空きリソース", "\n".join(f"{k}: {v}" for k, v in found.items()))


@when(parsers.parse('仮想サーバ基盤 へサーバイメージから仮想サーバ "{name}" の作成リクエストを送る'))
def create_virtual_server(lab, parts, product, recorder, name):
    host = platform(parts)
    image = lab.image_tag("server")
    # The server image is registered with the platform first (as an image would be uploaded
    # to any platform); the lab's engine hands it over with docker save.
    host.feed(f"docker save {shlex.quote(image)}", product["platform.load_image"],
              f"(docker save {image}) | {product['platform.load_image']}")
    command = parts.render(product["platform.create"]).format(
        name=name, ssh_port=product["job_server.ssh_port"], image=image)
    host.check(command)
    spec = Server(name=name, role=AGENT, image="server", addresses={"platform": host.address})
    parts.add(VirtualServer(spec, host, recorder))


@then(parsers.parse('仮想サーバ "{name}" が作成され起動している'))
def virtual_server_runs(parts, name):
    server = virtual_server(parts, name)
    listed = platform(parts).check("docker ps --filter name=^%s$ --format '{{.Names}} {{.Status}}'" % name)
    assert listed.startswith(f"{name} Up"), f"the platform lists '{listed.strip()}' for {name}"
    state = {"text": ""}

    def booted():
        state["text"] = server.run("systemctl is-system-running").stdout.strip()
        return state["text"] == "running"
    wait_until(booted, 60, lambda: f"virtual server {name} did not boot: systemd says '{state['text']}'")


@when(parsers.parse('仮想サーバ "{name}" にホスト名、Tengineコアがログインするユーザと SSH 鍵、パッケージ取得元を設定する'))
def configure_virtual_server(lab, parts, product, name):
    server = virtual_server(parts, name)
    user, home = product["job_server.user"], product["job_server.home"]
    assert server.check("hostname").strip() == name, f"{name}: hostname is not {name}"
    server.check(f"id {user} >/dev/null 2>&1 || useradd --create-home --home-dir {home} --shell /bin/bash {user}")
    core = parts.servers("Tengineコア")[0]
    key = core.check("cat %s.pub", product["core.ssh_key"])
    server.check(f"install -d -m 0700 -o {user} -g {user} {home}/.ssh")
    server.put_file(f"{home}/.ssh/authorized_keys", key, mode=0o600)
    server.check(f"chown {user}: {home}/.ssh/authorized_keys")
    lab.package_source.configure(server)
    # The core trusts the new server's host key, as it does the SCM's.
    core.check(f"ssh-keyscan -t ed25519 -p {product['job_server.ssh_port']} {platform(parts).address}"
               f" >> {product['core.known_hosts']}")


@then(parsers.parse('Tengineコア から仮想サーバ "{name}" に SSH でログインできる'))
def core_logs_in(parts, product, name):
    core = parts.servers("Tengineコア")[0]
    answer = core.check(
        f"runuser -u tengine -- ssh -i {product['core.ssh_key']} -p {product['job_server.ssh_port']}"
        f" -o UserKnownHostsFile={product['core.known_hosts']} -o StrictHostKeyChecking=yes -o BatchMode=yes"
        f" -o ConnectTimeout=5 {product['job_server.user']}@{platform(parts).address} hostname")
    assert answer.strip() == name, f"SSH to {platform(parts).address}:{product['job_server.ssh_port']} reached '{answer.strip()}'"


@then(parsers.parse('仮想サーバ "{name}" からキューに接続できる'))
def server_reaches_queue(parts, product, name):
    server = virtual_server(parts, name)
    queue = parts.address("キュー")
    result = server.run(f"timeout 5 bash -c 'exec 3<>/dev/tcp/{queue}/{product['queue.port']}'")
    assert result.rc == 0, f"{name} cannot open {queue}:{product['queue.port']}: {result.stderr.strip()}"
