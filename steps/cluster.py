"""Steps of the failover cluster: building it, moving the group, faults, and audits.

Like Pacemaker's CTS, every fault is followed by an audit of the whole cluster: where the
group runs, that the floating IP and the shared disk are on that server only, and that
the application runs there and nowhere else.
"""
from __future__ import annotations

import ipaddress
import re
import time

from pytest_bdd import given, parsers, step, then, when

from oat.cluster import base_configuration, corosync_conf, exec_resource, group_state, process_monitor
from oat.safety import disruptive
from oat.errors import LabError
from oat.wait import wait_until

# Sides are 運用系 / 待機系, resolved to servers through the product data.
SIDES = "(?P<side>運用系|待機系)"
EXEC_SCRIPTS = {"Start": "start.sh", "Stop": "stop.sh"}  # the guide's script names by the editor's labels


def node_of(product, side: str) -> str:
    return product["cluster.active"] if side == "運用系" else product["cluster.standby"]


def other_node(product, node: str) -> str:
    return product["cluster.standby"] if node == product["cluster.active"] else product["cluster.active"]


def nodes(product) -> list[str]:
    return [product["cluster.active"], product["cluster.standby"]]


def state(lab, product):
    """The group's state as the first cluster node that answers crm_mon sees it."""
    for node in nodes(product):
        result = lab.server(node).run("crm_mon --output-as=xml")
        if result.rc == 0:
            return group_state(result.stdout, product["cluster.group"])
    raise LabError(f"no node of cluster '{product['cluster.name']}' answers crm_mon")


def configure(server, name: str, commands: str) -> None:
    """Apply crm configure commands as one transaction (nothing runs half-configured)."""
    path = f"/root/{name}.crm"
    server.put_file(path, f"configure\n{commands}commit\n")
    server.check("crm -f %s" % path)


def clpstat(lab, node: str) -> str:
    return lab.server(node).run("clpstat -s").stdout.strip()


@given("運用系と待機系のサーバが用意されている")
def cluster_servers_exist(lab, product):
    for node in nodes(product):
        lab.server(node).check_alive()


@when("両系に CLUSTERPRO X をインストールする")
def install_cluster_software(lab, product):
    for node in nodes(product):
        server = lab.server(node)
        server.check("apt-get update")
        server.check("apt-get install %s" % product["cluster.package"])
        server.check("dpkg-query -W -f='${Status}' %s | grep -q 'install ok installed'" % product["cluster.package"])


@when(parsers.parse('フローティングIPリソース "{fip}" とディスクリソース "{disk}" のフェイルオーバーグループでクラスタを構築して起動する'))
def build_and_start_cluster(lab, product, fip, disk):
    members = nodes(product)
    check_floating_ip(lab, product)
    conf = corosync_conf(product["cluster.name"], [(n, lab.server(n).address) for n in members])
    first = lab.server(members[0])
    first.check("corosync-keygen -l")
    authkey = first.get_file("/etc/corosync/authkey")
    for node in members:
        server = lab.server(node)
        server.check("systemctl stop pacemaker corosync && rm -f /var/lib/pacemaker/cib/cib*")
        server.put_file("/etc/corosync/corosync.conf", conf)
        server.put_file("/etc/corosync/authkey", authkey, mode=0o400)
        server.check("mkdir -p %s" % product["cluster.disk.mount"])
    first.check("mkdir -p %s" % product["cluster.disk.device"])
    for node in members:
        lab.server(node).check("systemctl start corosync pacemaker")
    wait_for_formation(lab, product)
    configure(first, "clweb-group", base_configuration(product))
    assert {fip, disk} <= set(state(lab, product).members), f"the group lacks {fip} or {disk}"


def check_floating_ip(lab, product) -> None:
    """The floating IP must be a free host address of a network this lab created."""
    fip = ipaddress.IPv4Address(product["cluster.fip"])
    nets = [n for n in lab.topology.networks.values() if fip in n.subnet]
    if not nets:
        raise LabError(f"{product.path}: cluster.fip {fip} is in no network of lab '{lab.topology.name}' "
                       f"({', '.join(f'{n.name} {n.subnet}' for n in lab.topology.networks.values())})")
    taken = {a: s.name for s in lab.topology.servers.values() for a in s.addresses.values()}
    if str(fip) in taken or str(fip) == nets[0].gateway:
        raise LabError(f"{product.path}: cluster.fip {fip} is already the address of {taken.get(str(fip), 'the gateway')}")


def wait_for_formation(lab, product) -> None:
    members = nodes(product)

    def formed() -> bool:
        out = lab.server(members[0]).run("crm_mon -1 --output-as=xml")
        if out.rc != 0 or 'current_dc present="true"' not in out.stdout:
            return False
        return set(group_state(out.stdout, product["cluster.group"]).online) == set(members)

    def why() -> str:
        return f"cluster '{product['cluster.name']}' did not form: " + " | ".join(
            f"{n}: {lab.server(n).run('crm_mon -1').stdout.strip().splitlines()[:6]}" for n in members)

    wait_until(formed, float(product["cluster.formation_timeout"]), why, interval=1.0)


@then("両系がクラスタに参加している")
def both_nodes_joined(lab, product):
    current = state(lab, product)
    missing = set(nodes(product)) - set(current.online)
    assert not missing, f"not online in the cluster: {', '.join(sorted(missing))}\n{clpstat(lab, nodes(product)[0])}"


@step(parsers.re(f"フェイルオーバーグループが{SIDES}で起動し、各リソースのステータスが「正常」である"))
def group_runs_on(lab, product, side):
    node = node_of(product, side)
    wait_for_group(lab, product, node, timeout=60)
    audit_cluster(lab, product, node)


def wait_for_group(lab, product, node: str, timeout: float):
    return wait_for_state(lab, product, lambda s: s.node == node and s.healthy, timeout,
                          f"group '{product['cluster.group']}' is not running on {node}", node)


def wait_for_state(lab, product, accept, timeout: float, problem: str, node: str,
                   interval: float = 0.2):
    """Poll the group's state until `accept(state)`; on timeout say `problem`, the last state
    seen and clpstat on `node`."""
    found = {}

    def accepted():
        try:
            found["s"] = state(lab, product)
        except LabError as exc:  # crm_mon can miss an answer mid-transition: poll on
            found["s"] = str(exc)
            return None
        return found["s"] if accept(found["s"]) else None

    return wait_until(accepted, timeout, lambda: f"{problem}: {found.get('s')}\n{clpstat(lab, node)}",
                      interval=interval)


def audit_cluster(lab, product, node: str) -> None:
    """The whole cluster agrees with 'the group runs on NODE' (checked on every node)."""
    problems = []
    fip, mount = product["cluster.fip"], product["cluster.disk.mount"]
    for name in nodes(product):
        server = lab.server(name)
        has_ip = f" {fip}/" in server.run("ip -4 -o addr show").stdout
        mounted = server.run("mountpoint -q %s", mount).rc == 0
        if has_ip != (name == node):
            problems.append(f"{name} {'holds' if has_ip else 'lacks'} the floating IP {fip}")
        if mounted != (name == node):
            problems.append(f"{name} {'has' if mounted else 'lacks'} the shared disk mounted on {mount}")
    status = clpstat(lab, node)
    if "Error" in status or "Offline" in status.split("<group>", 1)[-1].split("<", 1)[0]:
        problems.append("clpstat reports a resource not online:\n" + status)
    assert not problems, f"cluster audit (group expected on {node}): " + "; ".join(problems)


@when(parsers.re(f"フェイルオーバーグループを{SIDES}へ移動する"))
def move_group(lab, product, side):
    move_group_to(lab, product, node_of(product, side))


def move_group_to(lab, product, node: str) -> None:
    """clpgrp -m from the other server; it returns once the group runs on `node`."""
    lab.server(other_node(product, node)).check("clpgrp -m %s -a %s" % (product["cluster.group"], node))


@when(parsers.re(f"{SIDES}の OS を再起動する"))
@disruptive
def reboot(lab, product, side):
    lab.restart(node_of(product, side))
    wait_for_formation(lab, product)


@when(parsers.parse("exec リソースの {which} Script を手順書のとおりに編集する:"))
def edit_exec_script(lab, product, documents, clweb_state, which, docstring):
    name = EXEC_SCRIPTS.get(which)
    if name is None:
        raise LabError(f"unknown exec script '{which}' (Start or Stop)")
    clweb_state.setdefault("exec_scripts", {})[name] = docstring  # the guide's text, for the check
    directory = product["cluster.exec.scripts"]
    for node in nodes(product):  # 設定の反映: the cluster configuration reaches every server
        server = lab.server(node)
        server.check("mkdir -p %s" % directory)
        text = documents.script(server, f"{directory}/{name}", docstring)
        server.put_file(f"{directory}/{name}", text, mode=0o755)


@then("両系の exec リソースの Start Script と Stop Script が手順書のとおり (正誤表の訂正を含む) で、実行できる")
def exec_scripts_as_documented(lab, product, documents, clweb_state):
    """設定の反映's effect on every server: each script is the guide's text (with its
    errata), owned by root and executable."""
    documented = clweb_state.get("exec_scripts", {})
    if sorted(documented) != sorted(EXEC_SCRIPTS.values()):
        raise LabError("the Start Script and Stop Script steps must come before this check in the scenario")
    directory = product["cluster.exec.scripts"]
    for node in nodes(product):
        server = lab.server(node)
        for name, text in sorted(documented.items()):
            script, expected = server.host.file(f"{directory}/{name}"), documents.corrected(text)
            assert script.exists, f"{directory}/{name} is missing on {node}"
            held = script.content_string
            if held != expected:
                line = next(i for i, (a, b) in enumerate(zip(held.splitlines() + [""], expected.splitlines() + [""]), 1)
                            if a != b)
                raise AssertionError(f"{directory}/{name} on {node} differs from the guide (with its errata) at line {line}")
            assert script.user == "root" and script.mode & 0o111 == 0o111, (
                f"{directory}/{name} on {node} is {script.user} mode {script.mode:04o}, expected root and executable")


@when("フェイルオーバーグループに exec リソースを追加して設定を反映する")
def add_exec_resource(lab, product):
    configure(lab.server(product["cluster.active"]), "clweb-exec", exec_resource(product))


@when(parsers.parse('プロセス名 "{pattern}" を監視する process name monitor を回復動作「回復対象に対してフェイルオーバー実行」で追加する'))
def add_process_monitor(lab, product, pattern):
    if pattern != product["cluster.monitor.process"]:
        raise LabError(f"the feature monitors '{pattern}' but lab/products/clweb.yaml says "
                       f"cluster.monitor.process is '{product['cluster.monitor.process']}'")
    configure(lab.server(product["cluster.active"]), "clweb-psw", process_monitor(product))


@then("exec リソースと process name monitor がフェイルオーバーグループに登録されている")
def exec_and_monitor_registered(lab, product):
    members = state(lab, product).members
    for rsc in (product["cluster.exec.name"], product["cluster.monitor.name"]):
        assert rsc in members, f"resource {rsc} is not in group {product['cluster.group']}: {members}"


@then(parsers.re(f'process name monitor が "(?P<pattern>[^"]+)" を監視し、{SIDES}でだけ監視している'))
def monitor_watches_active_only(lab, product, pattern, side):
    """The monitor's configuration as the cluster holds it, and where it runs: in the group,
    so on the server that holds the group and nowhere else (監視タイミング「活性時」)."""
    node, monitor = node_of(product, side), product["cluster.monitor.name"]
    server = lab.server(node)
    configured = server.check(product["cluster.commands.parameter"].format(resource=monitor, name="process")).strip()
    assert configured == pattern == product["cluster.monitor.process"], (
        f"{monitor} watches '{configured}', expected '{pattern}' (cluster.monitor.process "
        f"{product['cluster.monitor.process']})")
    located = server.check(product["cluster.commands.locate"].format(resource=monitor))
    running_on = re.findall(product["cluster.commands.located_on"], located)
    assert running_on == [node], f"{monitor} runs on {', '.join(running_on) or 'no server'}, expected {node} only"


@when("操作モードから exec リソースを起動する")
def start_exec_resource(lab, product):
    server = lab.server(product["cluster.active"])
    server.check("crm resource start %s" % product["cluster.exec.name"])
    wait_for_group(lab, product, product["cluster.active"], timeout=60)


# --- 動作確認手順: kill -9 and failover -----------------------------------------------

@when(parsers.re(f'{SIDES}で "ps -ef \\| grep clweb_serv" を実行し、親プロセスの ID が 1 の clweb_serv を kill -9 する'))
@disruptive
def kill_main_process(lab, product, clweb_state, side):
    server = lab.server(node_of(product, side))
    process = product["clweb.process"]
    listing = server.check("ps -ef | grep %s" % process)
    pids = []
    for line in listing.splitlines():
        uid, pid, ppid, *_, command = line.split(None, 7)  # UID PID PPID C STIME TTY TIME CMD
        if ppid == "1" and process in command and not command.startswith("grep"):
            pids.append(pid)
    assert len(pids) == 1, f"expected one {process} with parent PID 1 on {server.name}, found {pids}:\n{listing}"
    clweb_state["killed_at"] = time.time()
    server.check("kill -9 %s" % pids[0])
    clweb_state["killed_on"] = server.name


@then(parsers.re(f"{SIDES}に残った故障の記録が時間切れで消え、両系がふたたびグループを引き受けられる"))
def failure_record_expires(lab, product, side):
    """CTS-style: the next fault starts from a cluster that is whole again. While a failure
    is recorded, its server cannot take the group, and a failback would wait for it."""
    node = node_of(product, side)
    wait_for_state(lab, product, lambda s: not s.failures and s.healthy,
                   float(product["cluster.failure_expiry_timeout"]),
                   f"the failure left on {node} is still recorded", node, interval=0.5)


@then(parsers.re(f"クラスタ全体が{SIDES}での稼働状態と一致している"))
def whole_cluster_agrees(lab, product, side):
    node = node_of(product, side)
    audit_cluster(lab, product, node)
    service = product["clweb.service"]
    for name in nodes(product):
        active = lab.server(name).run("systemctl is-active %s", service).stdout.strip()
        expected = "active" if name == node else "inactive"
        if name != node and active == "failed":
            continue  # the killed service's unit stays failed until it is started again
        assert active == expected, f"{service} on {name} is {active}, expected {expected}"
