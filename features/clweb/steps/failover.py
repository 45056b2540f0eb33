"""動作確認手順: kill -9 of CL/Web's main process on one node, the failover it must cause (its
RTO measured), and the whole cluster audited until it can take the group anywhere again.
The steady-state hypothesis (product data `steady_state`) is checked before each kill and once
the failure record has expired (no sampler or writer runs here: those probes do not apply)."""

from __future__ import annotations

import time
from functools import partial

from pytest_bdd import parsers, then, when

from features.clweb.steps.cluster import SIDE
from features.clweb.steps.state import Kill
from features.clweb.steps.web import wait_answered_by
from oat.errors import LabError
from oat.faults.objectives import Objectives
from oat.faults.steady_state import SteadyState, Subject
from oat.model.safety import disruptive

KILL = "kill -9"  # its objective in objectives.recovery_seconds


@when(
    parsers.parse(
        '{side:Side}で "{command}" を実行し、親プロセスの ID が 1 の {process} を kill -9 する', extra_types=SIDE
    )
)
@disruptive
def kill_main_process(cluster, product, lab_ca, clweb_state, recorder, request, side, command, process):
    """Run the guide's ps command, pick the process whose parent is PID 1, kill -9 it, once the
    steady state holds (else an environment error naming the probe, and no kill)."""
    server = cluster.server(cluster.node(side))
    what = f"kill -9 of {process} on {server.name}"
    # Before anything: a cluster handed over broken is the environment's fault, not the product's.
    SteadyState.of(product).before(Subject(str(lab_ca.file), cluster), what, partial(recorder.attach, "text"))
    listing = server.check(command)
    pids = []
    for line in listing.splitlines():
        uid, pid, ppid, *_, shown = line.split(None, 7)  # UID PID PPID C STIME TTY TIME CMD
        if ppid == "1" and process in shown and not shown.startswith("grep"):
            pids.append(pid)
    assert len(pids) == 1, f"expected one {process} with parent PID 1 on {server.name}, found {pids}:\n{listing}"
    # its steady state is checked again once the failure has expired
    clweb_state.kill = Kill(request.node.nodeid, what, time.time(), server.name)
    server.check("kill -9 %s" % pids[0])


@then(
    parsers.parse(
        "{side:Side}に残った故障の記録が時間切れで消え、両系がふたたびグループを引き受けられる", extra_types=SIDE
    )
)
def failure_record_expires(cluster, product, lab_ca, clweb_state, recorder, request, side):
    """CTS-style: the next fault starts from a whole cluster. While a failure is recorded,
    its server cannot take the group, and a failback would wait for it. After this
    scenario's kill, the recovery is complete here: the steady state must hold again."""
    node = cluster.node(side)
    cluster.wait_for_state(
        lambda s: not s.failures and s.healthy,
        float(product["cluster.failure_expiry_timeout"]),
        f"the failure left on {node} is still recorded",
        node,
        interval=0.5,
    )
    kill, clweb_state.kill = clweb_state.kill, None
    if kill is not None and kill.scenario == request.node.nodeid:
        SteadyState.of(product).after(Subject(str(lab_ca.file), cluster), kill.what, partial(recorder.attach, "text"))


@then(parsers.parse("クラスタ全体が{side:Side}での稼働状態と一致している", extra_types=SIDE))
def whole_cluster_agrees(cluster, side):
    """Every audit of the whole cluster agrees that the group runs on that node."""
    cluster.audit(cluster.node(side))


@then(parsers.parse("フェイルオーバーが発生し、{side:Side}で CL/Web が正常に立ち上がっている", extra_types=SIDE))
def failover_happened(cluster, product, declared_objectives, lab_ca, clweb_state, recorder, side):
    """CL/Web answers from that node after the kill within its 目標復旧時間 (waited for at most a
    multiple of it); the RTO is measured and asserted, and the cluster audited."""
    node, kill = cluster.node(side), clweb_state.kill
    if kill is None:
        raise LabError("no kill -9 to fail over from: the step that kills CL/Web's main process must come first")
    objectives = Objectives.of(product, declared_objectives)
    try:
        answer = wait_answered_by(
            product,
            clweb_state,
            lab_ca,
            node,
            timeout=objectives.wait_for(KILL),
            interval=0.05,
            detail=lambda: f" after the kill: {cluster.state()}",
        )
    except LabError as exc:  # the report shows the miss too: a bar as long as the wait, over its objective
        recorder.measure(
            "rto",
            f"{kill.on} → {node}",
            objectives.wait_for(KILL),
            target=objectives.recovery(KILL),
            unrecovered=objectives.wait_for(KILL),
        )
        raise objectives.not_recovered(KILL, f"kill -9 on {kill.on}", "failover", exc) from None
    rto = time.time() - kill.at
    objective = objectives.recovery(KILL)
    recorder.attach(
        "text",
        "RTO (kill -9 から最初の正しい HTTPS 応答まで)",
        f"{kill.on} → {node}: {rto:.2f} 秒 (CL/Web {answer['version']}、目標復旧時間 {objective:g} 秒)",
    )
    recorder.measure("rto", f"{kill.on} → {node}", rto, target=objective)
    objectives.check_recovery(KILL, f"kill -9 of clweb_serv on {kill.on}", rto)
    cluster.audit(node)
