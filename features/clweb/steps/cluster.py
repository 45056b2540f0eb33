"""The guide's cluster steps: building CLUSTERPRO X's cluster, its exec resource and process
monitor, moving the group, with the audits of the whole cluster after each.

The cluster itself (state, commands, audits) is oat.cluster.Cluster; these steps say what
the guide says and call it.
"""

from __future__ import annotations

import secrets

import parse
from pytest_bdd import given, parsers, step, then, when

from oat.errors import LabError
from oat.vocabulary.servers import not_booted


@parse.with_pattern(r"運用系|待機系")
def _side(text: str) -> str:
    return text


SIDE = {"Side": _side}


@given("運用系と待機系のサーバが用意されている")
def cluster_servers_exist(cluster, product):
    """(1) クラスタシステムの設計, as it stands on the servers: both nodes answer and have
    booted, and both see the same shared disk (a file one writes there, the other reads)."""
    problems = [problem for node in cluster.nodes for problem in not_booted(cluster.server(node))]
    volume = product["cluster.disk.volume"]
    first, *others = (cluster.server(node) for node in cluster.nodes)
    marker = f"{volume}/.oat-shared-{secrets.token_hex(4)}"
    if first.run("test -d %s && echo %s > %s", volume, first.name, marker).rc != 0:
        problems.append(f"{first.name}: no shared disk at {volume}")
    else:
        try:
            for other in others:
                seen = other.run("cat %s", marker)
                if seen.rc != 0 or seen.stdout.strip() != first.name:
                    problems.append(f"{other.name} does not see the shared disk of {first.name} at {volume}")
        finally:
            first.run("rm -f %s", marker)
    assert not problems, "the cluster's servers are not as designed: " + "; ".join(problems)


@when(
    parsers.parse(
        'フローティングIPリソース "{fip}" とディスクリソース "{disk}" のフェイルオーバーグループでクラスタを構築して起動する'
    )
)
def build_and_start_cluster(cluster, fip, disk):
    """Form the cluster on both nodes and configure the failover group with its resources."""
    cluster.build()
    members = cluster.state().members
    assert {fip, disk} <= set(members), f"the group lacks {fip} or {disk}: {members}"


@then("両系がクラスタに参加している")
def both_nodes_joined(cluster):
    """Every node is online in the cluster."""
    missing = set(cluster.nodes) - set(cluster.state().online)
    assert not missing, (
        f"not online in the cluster: {', '.join(sorted(missing))}\n{cluster.status_text(cluster.nodes[0])}"
    )


@step(
    parsers.parse(
        "フェイルオーバーグループが{side:Side}で起動し、各リソースのステータスが「正常」である", extra_types=SIDE
    )
)
def group_runs_on(cluster, side):
    """The group runs healthy on that node, and the whole cluster agrees (audits)."""
    node = cluster.node(side)
    cluster.wait_for_group(node, timeout=60)
    cluster.audit(node)


@when(parsers.parse("フェイルオーバーグループを{side:Side}へ移動する", extra_types=SIDE))
def move_group(cluster, side):
    """Move the group (clpgrp -m) and audit the cluster where it landed."""
    node = cluster.node(side)
    cluster.move(node)
    cluster.audit(node)


@when(parsers.parse("exec リソースの {which} Script を手順書のとおりに編集する:"))
def edit_exec_script(cluster, product, documents, clweb_state, which, docstring):
    """Write the guide's script on every node (設定の反映), through its errata."""
    files = product["cluster.exec.files"]
    if which not in files:
        raise LabError(f"unknown exec script '{which}' (cluster.exec.files: {', '.join(files)})")
    name = files[which]
    clweb_state.exec_scripts[name] = docstring  # the guide's text, for the check
    directory = product["cluster.exec.scripts"]
    for node in cluster.nodes:
        server = cluster.server(node)
        server.check("mkdir -p %s" % directory)
        text = documents.script(server, f"{directory}/{name}", docstring)
        server.put_file(f"{directory}/{name}", text, mode=0o755)


@then("両系の exec リソースの Start Script と Stop Script が手順書のとおり (正誤表の訂正を含む) で、実行できる")
def exec_scripts_as_documented(cluster, product, documents, clweb_state):
    """Each node holds each script as the guide wrote it (with its errata), root's and executable."""
    documented = clweb_state.exec_scripts
    if sorted(documented) != sorted(product["cluster.exec.files"].values()):
        raise LabError("the Start Script and Stop Script steps must come before this check in the scenario")
    directory = product["cluster.exec.scripts"]
    for node in cluster.nodes:
        server = cluster.server(node)
        for name, text in sorted(documented.items()):
            script, expected = server.host.file(f"{directory}/{name}"), documents.corrected(text)
            assert script.exists, f"{directory}/{name} is missing on {node}"
            held = script.content_string
            if held != expected:
                line = next(
                    i
                    for i, (a, b) in enumerate(
                        zip(held.splitlines() + [""], expected.splitlines() + [""], strict=False), 1
                    )
                    if a != b
                )
                raise AssertionError(
                    f"{directory}/{name} on {node} differs from the guide (with its errata) at line {line}"
                )
            assert script.user == "root" and script.mode & 0o111 == 0o111, (
                f"{directory}/{name} on {node} is {script.user} mode {script.mode:04o}, expected root and executable"
            )


@when("フェイルオーバーグループに exec リソースを追加して設定を反映する")
def add_exec_resource(cluster):
    """Add the exec resource to the group (stopped, as the guide starts it in (12))."""
    cluster.configure("exec")


@when(
    parsers.parse(
        'プロセス名 "{pattern}" を監視する process name monitor を回復動作「回復対象に対してフェイルオーバー実行」で追加する'
    )
)
def add_process_monitor(cluster, product, pattern):
    """Add the process name monitor to the group, watching the named processes."""
    if pattern != product["cluster.monitor.process"]:
        raise LabError(
            f"the feature monitors '{pattern}' but {product.path} says "
            f"cluster.monitor.process is '{product['cluster.monitor.process']}'"
        )
    cluster.configure("monitor")


@then("exec リソースと process name monitor がフェイルオーバーグループに登録されている")
def exec_and_monitor_registered(cluster, product):
    """Both resources are members of the group."""
    members = cluster.state().members
    for rsc in (product["cluster.exec.name"], product["cluster.monitor.name"]):
        assert rsc in members, f"resource {rsc} is not in group {cluster.group}: {members}"


@then(parsers.parse('process name monitor が "{pattern}" を監視し、{side:Side}でだけ監視している', extra_types=SIDE))
def monitor_watches_active_only(cluster, product, pattern, side):
    """The monitor's configured pattern as the cluster holds it, and that it runs on that node
    only (in the group: 監視タイミング「活性時」)."""
    node, monitor = cluster.node(side), product["cluster.monitor.name"]
    configured = cluster.parameter(node, monitor, "process")
    assert configured == pattern == product["cluster.monitor.process"], (
        f"{monitor} watches '{configured}', expected '{pattern}' (cluster.monitor.process "
        f"{product['cluster.monitor.process']})"
    )
    running_on = cluster.located_on(node, monitor)
    assert running_on == [node], f"{monitor} runs on {', '.join(running_on) or 'no server'}, expected {node} only"


@when("操作モードから exec リソースを起動する")
def start_exec_resource(cluster, product):
    """Start the exec resource; the group then runs whole on its home node."""
    cluster.start_resource(product["cluster.exec.name"])
    home = cluster.nodes[0]
    cluster.wait_for_group(home, timeout=60)
    cluster.audit(home)
