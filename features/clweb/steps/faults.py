"""障害試験 (beyond the guide): the faults a CLUSTERPRO cluster's acceptance runs, one per
scenario. Each is injected from outside the servers (the lab driver's hardware: oat/drivers/docker/hardware.py), timed until the
surviving node answers on the floating IP (RTO), followed by the audits of the whole cluster,
and watched throughout by two checkers: never two actives (oat/faults/sampler.py) and nothing
acknowledged lost (oat/faults/client.py). The steady-state hypothesis (product data
`steady_state`, oat/faults/steady_state.py) is checked before the fault (else the scenario is
an environment error and no fault comes) and again after recovery."""

from __future__ import annotations

import json
import time
from functools import partial

import parse
import requests
from pytest_bdd import given, parsers, then, when

from features.clweb.steps.cluster import SIDE
from features.clweb.steps.state import CLWebState, FaultRun
from features.clweb.steps.web import api_headers, wait_answered_by
from oat import webclient
from oat.drivers.base import Hardware
from oat.errors import LabError, OatError
from oat.faults.availability import Sample, summary, timeline_svg, unavailable_seconds
from oat.faults.client import AppendClient, Forms
from oat.faults.nemesis import CablesPulled, DiskReadOnly, Nemesis, PowerOff, ScriptFails, Stall
from oat.faults.objectives import Objectives
from oat.faults.sampler import ActiveSampler
from oat.faults.steady_state import SteadyState, Subject
from oat.model.safety import disruptive
from oat.wait import wait_until


@parse.with_pattern(r"パブリック LAN|インタコネクト LAN")
def _lan(text: str) -> str:
    return text


TYPES = {**SIDE, "Lan": _lan}


def _hardware(cluster) -> Hardware:
    return cluster.lab.hardware()


@given("両系が相手系を強制停止できる")
def peers_can_fence(cluster, product):
    """Each node's fence agent reaches the management boards and sees its peer powered on,
    and is refused its own board (a node may power off only the other)."""
    if cluster.fencing is None:
        raise LabError(f"lab '{cluster.lab.topology.name}' has no management boards: the cluster has no forced stop")
    files, endpoint = product["cluster.fencing.files"], cluster.fencing
    for node in cluster.nodes:
        server = cluster.server(node)
        for plug in cluster.nodes:
            asked = server.run(
                product["cluster.fencing.status"].format(
                    address=endpoint.address, port=endpoint.port, plug=plug, **files
                )
            )
            if plug == node:
                assert asked.rc != 0, f"{node}'s fence agent may act on {node} itself: {asked.stdout.strip()}"
            else:
                assert asked.rc == 0 and "ON" in asked.stdout.upper(), (
                    f"{node}'s fence agent cannot see {plug}: exit {asked.rc}: {(asked.stdout + asked.stderr).strip()[-200:]}"
                )
    denied = [str(c) for c in endpoint.calls if c.status == 403]
    assert denied, "the endpoint refused nothing: a node's request for its own board was not refused"


@given("障害の間、両系の稼働状態の監視とクライアントのマイページへの追記を始める")
def start_checkers(cluster, product, declared_objectives, clweb_state, lab_ca, recorder, request):
    """Start the never-two-actives sampler (every 0.1 s) and the append client (every 0.2 s)."""
    steady = SteadyState.of(product)  # wrong probe data stops the scenario here, before any checker
    watched: list[FaultRun] = []
    request.addfinalizer(lambda: watched and _recorded_at_end(watched[0]))  # after the checkers stop (last first)
    hardware = _hardware(cluster)
    sampler = ActiveSampler(hardware, cluster.nodes, cluster.fip, cluster.mount, product["clweb.process"]).start()
    request.addfinalizer(sampler.stop)  # never outlive the scenario, whatever happens
    f = product["clweb.forms"]
    forms = Forms(
        base=f"https://{cluster.fip}",
        login=f["login"],
        page=f["page"],
        user_field=f["user"],
        pass_field=f["pass"],
        memo_field=f["memo"],
        token_field=f["token"],
        node=f["node"],
    )
    client = AppendClient(
        forms, product["clweb.operator.user"], product["clweb.operator.password"], str(lab_ca.file)
    ).start()
    request.addfinalizer(client.stop)
    watched.append(
        FaultRun(
            name=request.node.name,
            sampler=sampler,
            client=client,
            hardware=hardware,
            steady=steady,
            subject=Subject(str(lab_ca.file), cluster, sampler, client),
            recorder=recorder,
            objectives=partial(Objectives.of, product, declared_objectives),
        )
    )
    clweb_state.fault = watched[0]


# Something must be at stake when the fault comes: saves the active node acknowledged just
# before it. Else "no acknowledged save was lost" holds of nothing (a fault that arrives before
# the client's first save), and a product that acknowledges before it is durable passes.
STAKES, STAKE_WINDOW = 3, 5.0  # acknowledged saves, in the seconds before the fault


def _before_fault(clweb_state: CLWebState, what: str, node: str) -> None:
    """Once per fault, before it comes: the steady state holds (else an environment error
    naming the probe, and no fault), and the client has saves acknowledged by `node` in the
    last seconds (waited for, bounded)."""
    fault = clweb_state.watched()
    if fault.stake_at is not None:
        return
    fault.steady.before(fault.subject, what, partial(fault.recorder.attach, "text"))
    client = fault.client
    wait_until(
        lambda: len(client.acknowledged_before(time.time(), STAKE_WINDOW, node)) >= STAKES,
        30,
        lambda: (
            f"the append client got {len(client.acknowledged)} saves acknowledged, none {STAKES} of them by "
            f"{node} in {STAKE_WINDOW:g} s: nothing would be at stake in the fault"
        ),
    )
    fault.stake_at, fault.stake_node = time.time(), node


def _injected(clweb_state: CLWebState, what: str, node: str, kind: str) -> None:
    """The fault comes now; `kind` names its objective (objectives.recovery_seconds)."""
    _before_fault(clweb_state, what, node)  # the faulted node is the active one in every fault here
    fault = clweb_state.watched()
    fault.what, fault.kind, fault.at = what, kind, time.time()


def _inject(clweb_state: CLWebState, nemesis: Nemesis) -> None:
    """A hardware fault on the node that holds the group: it comes now."""
    _injected(clweb_state, nemesis.what, nemesis.node, nemesis.kind)
    fault = clweb_state.watched()
    fault.nemeses.append(nemesis)
    nemesis.inject()
    if nemesis.leaves_off:
        fault.down = (nemesis.node,)


@when(parsers.parse("{side:Side}の電源を切る", extra_types=TYPES))
@disruptive
def power_off(cluster, clweb_state, side):
    """Pull the node's power: every process dies at once."""
    _inject(clweb_state, PowerOff(clweb_state.watched().hardware, cluster.node(side)))


@when(parsers.parse("{side:Side}の OS をストールさせる", extra_types=TYPES))
@disruptive
def stall(cluster, clweb_state, side):
    """Freeze every process of the node (it holds its addresses and mounts, and answers nothing)."""
    _inject(clweb_state, Stall(clweb_state.watched().hardware, cluster.node(side)))


@when(parsers.parse("{side:Side}の{lan:Lan} のケーブルを抜く", extra_types=TYPES))
@disruptive
def unplug(cluster, product, clweb_state, side, lan):
    """Pull the node's cable to one LAN (its interface loses carrier, keeps its addresses)."""
    lans = {lan: product["cluster.lans"][lan]}
    _inject(clweb_state, CablesPulled(clweb_state.watched().hardware, cluster.node(side), lans))


@when(parsers.parse("{side:Side}の全ての LAN のケーブルを抜く", extra_types=TYPES))
@disruptive
def unplug_all(cluster, product, clweb_state, side):
    """Pull every cable between the node and the other (a network partition)."""
    lans = dict(product["cluster.lans"])
    _inject(clweb_state, CablesPulled(clweb_state.watched().hardware, cluster.node(side), lans, everything=True))


@when(parsers.parse("{side:Side}の{lan:Lan} のケーブルを挿す", extra_types=TYPES))
def plug_in(cluster, clweb_state, side, lan):
    """Plug the node's cable back in."""
    fault, node = clweb_state.watched(), cluster.node(side)
    for nemesis in fault.nemeses:
        if isinstance(nemesis, CablesPulled) and nemesis.node == node and lan in nemesis.networks:
            nemesis.heal()


@when(parsers.parse("{side:Side}の共有ディスクを読み取り専用にする", extra_types=TYPES))
@disruptive
def disk_read_only(cluster, product, clweb_state, side):
    """The node's path to the shared disk turns read-only (as after an I/O error): its disk
    monitor can no longer write there."""
    _inject(clweb_state, DiskReadOnly(clweb_state.watched().hardware, cluster.node(side), *_disk(product)))


@when(parsers.parse("{side:Side}の共有ディスクを書き込み可能に戻す", extra_types=TYPES))
def disk_writable_again(cluster, clweb_state, side):
    """Repair the node's path to the shared disk."""
    clweb_state.watched().heal(cluster.node(side), DiskReadOnly)


def _disk(product) -> tuple[str, dict[str, str]]:
    """Where each node mounts the shared disk, and the group's mount made from it."""
    return product["cluster.disk.volume"], {product["cluster.disk.mount"]: product["cluster.disk.device"]}


@when(parsers.parse("{side:Side}の exec リソースの {which} Script が異常終了するようにする", extra_types=TYPES))
@disruptive
def break_script(cluster, product, clweb_state, side, which):
    """Make the node's start.sh or stop.sh fail (exit 1 before anything), keeping the original.
    The fault comes when the cluster next runs it (the group's start or move, below)."""
    node, files = cluster.node(side), product["cluster.exec.files"]
    if which not in files:
        raise LabError(f"unknown exec script '{which}' (cluster.exec.files: {', '.join(files)})")
    nemesis = ScriptFails(cluster.server(node), f"{product['cluster.exec.scripts']}/{files[which]}", which)
    clweb_state.watched().nemeses.append(nemesis)
    nemesis.inject()


def _broken_script(clweb_state: CLWebState, which: str) -> ScriptFails:
    """The script fault the cluster's next run sets off; none is a one-line error."""
    found = [n for n in clweb_state.watched().nemeses if isinstance(n, ScriptFails) and n.which == which]
    if not found:
        raise LabError(f"no {which} Script was made to fail: the step that breaks it must come first")
    return found[-1]


@when(parsers.parse("{side:Side}の exec リソースの Script を元に戻す", extra_types=TYPES))
def restore_scripts(cluster, clweb_state, side):
    """Write back the scripts the fault changed on that node."""
    clweb_state.watched().heal(cluster.node(side), ScriptFails)


@when("フェイルオーバーグループを停止してから起動する")
@disruptive
def restart_group(cluster, clweb_state):
    """Stop the group, then start it (clpgrp -t, clpgrp -s): it starts where the cluster places it."""
    home = cluster.nodes[0]
    broken = _broken_script(clweb_state, "Start")
    _before_fault(clweb_state, broken.what, home)  # before the stop: a stopped group acknowledges nothing
    cluster.server(home).check(cluster.command("stop_group"))
    _injected(clweb_state, broken.what, home, broken.kind)
    cluster.server(home).run(cluster.command("start_group"))  # the start may fail where the fault is


@when(parsers.parse("フェイルオーバーグループの{side:Side}への移動を試みる", extra_types=TYPES))
@disruptive
def try_move(cluster, clweb_state, side):
    """Ask for the move (clpgrp -m) without requiring it to succeed."""
    node, broken = cluster.node(side), _broken_script(clweb_state, "Stop")
    _before_fault(clweb_state, broken.what, cluster.other(node))  # the saves of the node the group leaves
    _injected(clweb_state, broken.what, cluster.other(node), broken.kind)
    cluster.server(node).run(cluster.command("move", node=node))


@then(parsers.parse("{side:Side}が強制停止される", extra_types=TYPES))
def fenced(cluster, clweb_state, side):
    """The node's board powers it off (a peer's fence agent did it), within the stonith timeout."""
    node, fault = cluster.node(side), clweb_state.watched()
    wait_until(
        lambda: not cluster.fencing.machines.running(node),
        60,
        lambda: (
            f"{node} was not powered off; the boards were asked: "
            f"{'; '.join(map(str, cluster.fencing.calls[-5:])) or 'nothing'}; {_fencer_view(cluster, node)}"
        ),
    )
    fault.down = (node,)

    def peer_killed():  # the endpoint keeps a call once it has answered it: after the power went off
        return [
            c
            for c in cluster.fencing.calls
            if c.plug == node and c.path.endswith("/kill") and c.status < 300 and c.caller != node
        ]

    wait_until(
        peer_killed,
        10,
        lambda: (
            f"{node} went off, but no peer's forced stop is recorded: {'; '.join(map(str, cluster.fencing.calls[-5:]))}"
        ),
    )


def _fencer_view(cluster, node: str) -> str:
    """What the peer's fencer says it did about the node, and its last log lines: why no
    forced stop reached the boards."""
    peer, shown = cluster.other(node), []
    for key in ("fence_history", "fencer_log"):
        command = cluster.command(key, node=node)
        result = cluster.server(peer).run(command)
        lines = [line.strip() for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        shown.append(f"{peer} `{command}`: {' | '.join(lines[-25:]) or 'nothing'}")
    return "; ".join(shown)


@then(
    parsers.parse(
        "{side:Side}でフェイルオーバーグループが起動し、CL/Web がフローティング IP で応答する", extra_types=TYPES
    )
)
def taken_over(cluster, product, declared_objectives, clweb_state, recorder, lab_ca, side):
    """The node answers on the floating IP within the fault's 目標復旧時間 (waited for at most a
    multiple of it); the RTO (fault to first correct answer) is kept and asserted."""
    node, fault = cluster.node(side), clweb_state.watched()
    objectives = Objectives.of(product, declared_objectives)
    try:
        wait_answered_by(
            product,
            clweb_state,
            lab_ca,
            node,
            timeout=objectives.wait_for(fault.kind),
            interval=0.05,
            detail=lambda: f" after {fault.what}: {cluster.state()}",
        )
    except LabError as exc:  # not even within the multiple: the objective is missed, by far
        fault.unrecovered = objectives.wait_for(fault.kind)  # for the report's row
        raise objectives.not_recovered(fault.kind, fault.what, "takeover", exc) from None
    fault.rto, fault.timed = time.time() - fault.at, True
    recorder.attach(
        "text",
        f"RTO ({fault.what} から最初の正しい HTTPS 応答まで)",
        f"{fault.rto:.2f} 秒 ({node}、目標復旧時間 {objectives.recovery(fault.kind):g} 秒)",
    )
    objectives.check_recovery(fault.kind, fault.what, fault.rto)
    cluster.wait_for_group(node, timeout=30)
    cluster.audit(node, down=fault.down)


@then(
    parsers.parse(
        "{seconds:d} 秒間、フェイルオーバーグループは{side:Side}で稼働し続け、CL/Web が応答し続ける", extra_types=TYPES
    )
)
def nothing_moves(cluster, product, clweb_state, lab_ca, seconds, side):
    """For that long the group stays where it is, healthy, and CL/Web answers from it."""
    node, fault = cluster.node(side), clweb_state.watched()
    deadline = time.time() + seconds
    while time.time() < deadline:
        state = cluster.state()
        assert state.node == node and state.healthy, f"after {fault.what} the group moved or failed: {state}"
        wait_answered_by(product, clweb_state, lab_ca, node, timeout=2)  # paces the watch too
    fault.rto, fault.timed = None, True  # no failover: nothing to recover from
    cluster.audit(node)


@when(parsers.parse("{side:Side}の電源を入れ、クラスタに復帰させる", extra_types=TYPES))
def power_on_and_rejoin(cluster, clweb_state, side):
    """Power the node on (as an operator does after a forced stop); it boots and rejoins."""
    node, fault = cluster.node(side), clweb_state.watched()
    fault.heal(node, Stall)  # a stalled node was forced off frozen: it boots thawed
    fault.hardware.power_on(node)  # off by a forced stop or by the fault itself
    fault.heal(node, (PowerOff, CablesPulled))  # the cables are plugged back before it rejoins
    cluster.server(node).wait_booted(120)
    cluster.wait_for_formation()
    fault.down = ()


@then("障害の間、両系が同時に稼働した時間は 0 秒で、保存に成功したマイページのデータは失われていない")
def invariants_hold(cluster, product, clweb_state, recorder, lab_ca):
    """The steady state holds again (the checkers are probes of it), then stop both checkers;
    no sample held anything on two nodes, and every acknowledged append is in the memo read
    back through the API. The fault's row goes to the report."""
    fault = clweb_state.watched()
    sampler, client = fault.sampler, fault.client
    fault.steady.after(fault.subject, fault.label, partial(recorder.attach, "text"))
    sampler.stop()
    client.stop()
    headers = api_headers(product, clweb_state)
    url = f"https://{cluster.fip}{product['clweb.api.mypage']}"
    memo = wait_until(lambda: _memo(url, headers, str(lab_ca.file)), 30, f"{url} does not answer after recovery")
    # No save acknowledged before the fault is an error of the test, never a pass (NothingAtStake).
    lost = client.verdict(memo, fault_at=fault.stake_at, seconds=STAKE_WINDOW, node=fault.stake_node)
    objectives = fault.objectives()
    doubled = _recorded(fault, objectives, lost)["two_actives"]
    recorder.attach(
        "text",
        "両系同時稼働の監視と追記クライアント",
        f"監視 {len(sampler.samples)} 回 (平均間隔 {sampler.mean_interval():.2f} 秒)、"
        f"両系同時稼働 {doubled:.1f} 秒\n追記 {len(client.calls)} 回、保存成功 {len(client.acknowledged)} 件、"
        f"消失 {len(lost)} 件 {lost[:20] if lost else ''}",
    )
    assert len(sampler.samples) > 10, f"the sampler took only {len(sampler.samples)} samples"
    objectives.check_two_actives(fault.label, doubled, "; ".join(sampler.violations()[:5]))
    assert not lost, f"{len(lost)} acknowledged saves are gone after recovery: {client.explain(lost)}"
    objectives.check_unavailable(fault.label, fault.row["unavailable"])
    clweb_state.fault = None


def _recorded(fault: FaultRun, objectives: Objectives, lost: list[int] | None) -> dict:
    """The fault's row in the report's 測定結果, kept once: each measure with its objective
    (the RTO with its 目標復旧時間, unavailable seconds with the budget, seconds with two actives
    with the limit). `lost` None: the memo was not read back."""
    if fault.row is not None:
        return fault.row
    sampler, client = fault.sampler, fault.client
    samples = [Sample(at - fault.started, ok, "") for at, ok in client.samples()]
    rto, unrecovered = fault.rto, fault.unrecovered
    fault.row = row = dict(
        rto=rto,
        unmeasured=not (fault.timed or unrecovered is not None),
        unrecovered=unrecovered,
        target=objectives.recovery(fault.kind) if rto is not None or unrecovered is not None else None,
        unavailable=unavailable_seconds(samples),
        unavailable_target=objectives.unavailable_seconds,
        two_actives=sampler.seconds_with_two_actives(),
        two_actives_target=objectives.two_actives_seconds,
        acknowledged=len(client.acknowledged),
        lost=None if lost is None else len(lost),
        samples=len(sampler.samples),
        svg=timeline_svg(samples) if samples else "",
        text=summary(samples) if samples else "",
    )
    fault.recorder.measure("fault", fault.label, rto or 0.0, **row)
    return row


def _recorded_at_end(fault: FaultRun) -> None:
    """A scenario that ended before its invariants (a takeover over its objective, a lost
    steady state) still has its fault's row, with what was measured; not a fault never injected."""
    if fault.at is None or fault.row is not None:
        return
    try:
        _recorded(fault, fault.objectives(), lost=None)
    except OatError:  # the scenario already failed for it, with its own line
        pass


def _memo(url: str, headers: dict, ca: str) -> str | None:
    try:
        reply = webclient.get(url, headers=headers, verify=ca, timeout=2)
    except requests.RequestException:
        return None
    return json.loads(reply.text).get("memo") if reply.status_code == 200 else None
