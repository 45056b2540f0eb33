"""The steady-state hypothesis (oat/faults/steady_state.py): probes read from product data,
an environment error (エラー) naming the probe when it does not hold before the fault, a
product failure (不合格) when it does not hold again after recovery."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import requests

from oat.errors import LabError, ProductError, one_line
from oat.faults.steady_state import (
    SteadyState,
    SteadyStateLost,
    SteadyStateNotMet,
    Subject,
    evidence,
)
from oat.model.products import Product
from oat.record.outcome import Outcome, of_exception

PRODUCT = """\
cluster: {fip: 192.168.10.13}
steady_state:
  title: CL/Web answers and the fault is watched
  within: 0
  probes:
    - name: CL/Web がフローティング IP で応答する
      provider: {type: https, url: 'https://{cluster.fip}/'}
      tolerance: {status: 200, text: JobCenter CL/Web}
    - name: クラスタの監査が通る
      provider: {type: cluster-audits}
    - name: 両系の稼働状態を監視している
      provider: {type: sampler, fresh_seconds: 2}
    - name: マイページへの追記が保存されている
      provider: {type: writer}
"""


def product(tmp_path, text: str = PRODUCT) -> Product:
    path = tmp_path / "clweb.yaml"
    path.write_text(text, encoding="utf-8")
    return Product(path)


class Cluster:
    def __init__(self, problems: str = ""):
        self.problems, self.audited = problems, []

    def state(self):
        return SimpleNamespace(node="node1", members={"fip": "Started on node1"})

    def audit(self, node, down=()):
        self.audited.append(node)
        assert not self.problems, f"cluster audit (group expected on {node}): {self.problems}"


def subject(status: int = 200, body: str = "<title>JobCenter CL/Web</title>", **changes) -> Subject:
    now = time.time()
    values = dict(
        ca_file="ca.crt",
        cluster=Cluster(),
        sampler=SimpleNamespace(samples=[SimpleNamespace(at=now - 0.1)]),
        writer=SimpleNamespace(calls=[(now - 0.3, True, "saved by node1")], saved_by={1: (now - 0.2, "node1")}),
        fetch=lambda url, ca, timeout: (status, body),
    )
    values.update(changes)
    return Subject(**values)


def test_the_probes_are_read_from_the_product_data_with_its_facts_in_place(tmp_path):
    steady = SteadyState.of(product(tmp_path))
    assert [p.type for p in steady.probes] == ["https", "cluster-audits", "sampler", "writer"]
    https = steady.probes[0]
    assert https.provider == {"url": "https://192.168.10.13/", "timeout": 3.0}
    assert https.tolerance == {"status": 200, "text": "JobCenter CL/Web"} and https.key == "steady_state.probes[0]"
    assert steady.probes[3].provider == {"fresh_seconds": 5.0}  # the default


def test_every_probe_holding_before_the_fault_lets_it_come(tmp_path):
    seen, notes = subject(), []
    findings = SteadyState.of(product(tmp_path)).before(seen, "node1 の電源断", lambda *note: notes.append(note))
    assert [f.held for f in findings] == [True, True, True, True]
    assert seen.cluster.audited == ["node1"]  # audited where the group runs
    assert notes == [("定常状態の仮説 (障害の前)", evidence(findings))]  # the evidence of the step
    assert evidence(findings).splitlines()[0] == "○ CL/Web がフローティング IP で応答する (https): held"


def test_a_probe_that_fails_before_the_fault_is_an_environment_error_naming_it(tmp_path):
    with pytest.raises(SteadyStateNotMet) as error:
        SteadyState.of(product(tmp_path)).before(subject(status=503), "node1 の電源断")
    assert isinstance(error.value, LabError) and of_exception(error.value) is Outcome.ERROR  # エラー, not 不合格
    assert (
        one_line(error.value)
        == str(error.value)
        == (
            "steady state did not hold before node1 の電源断, so the fault was not injected: probe "
            "'CL/Web がフローティング IP で応答する' (https): GET https://192.168.10.13/ answered 503, expected 200 "
            "(probed for 0 s)"
        )
    )


def test_the_same_probe_failing_after_recovery_is_a_product_failure(tmp_path):
    stopped = SimpleNamespace(calls=[(time.time() - 9, False, "login answered 503")], saved_by={})
    with pytest.raises(SteadyStateLost) as lost:
        SteadyState.of(product(tmp_path)).after(subject(body="<title>nginx</title>", writer=stopped), "node1 の電源断")
    assert of_exception(lost.value) is Outcome.FAILED  # 不合格
    assert str(lost.value) == (
        "steady state not restored after node1 の電源断: probe 'CL/Web がフローティング IP で応答する' (https): "
        "GET https://192.168.10.13/ answered 200 without 'JobCenter CL/Web'; probe 'マイページへの追記が保存されている' "
        "(writer): no save acknowledged in the last 5 s (1 calls, 0 saved; last: login answered 503, 9.0 s ago) "
        "(probed for 0 s)"
    )


def test_each_probe_says_what_it_saw(tmp_path):
    def refused(url, ca, timeout):
        raise requests.ConnectionError("Connection refused")

    steady = SteadyState.of(product(tmp_path))
    findings = steady.check(
        subject(
            fetch=refused,
            cluster=Cluster("floating IP: node2 holds 192.168.10.13"),
            sampler=SimpleNamespace(samples=[SimpleNamespace(at=time.time() - 30)]),
        )
    )
    assert [f.seen.split(":")[0] if f.held is False else "held" for f in findings] == [
        "GET https",
        "cluster audit (group expected on node1)",
        "its last sample is 30.0 s old (more than 2 s",
        "held",
    ]
    assert "Connection refused" in findings[0].seen


def test_a_probe_whose_subject_the_scenario_lacks_is_not_applicable_never_held(tmp_path):
    findings = SteadyState.of(product(tmp_path)).before(subject(sampler=None, writer=None), "kill -9 on node1")
    assert [f.held for f in findings] == [True, True, None, None]
    assert (
        evidence(findings).splitlines()[2]
        == "− 両系の稼働状態を監視している (sampler): not applicable: this scenario has no sampler"
    )


def test_the_probes_are_given_within_seconds_to_hold_together(tmp_path):
    answers = iter([(503, ""), (200, "JobCenter CL/Web")])
    steady = SteadyState.of(product(tmp_path, PRODUCT.replace("within: 0", "within: 5")))
    findings = steady.before(subject(fetch=lambda url, ca, timeout: next(answers)), "f")
    assert findings[0].held


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("type: cluster-audits", "type: audits"),
            "steady_state.probes[1].provider.type: unknown probe type 'audits' "
            "(known: https, cluster-audits, sampler, writer)",
        ),
        (
            ("fresh_seconds: 2", "fresh: 2"),
            "steady_state.probes[2].provider.fresh: unknown key (a sampler probe's provider has: fresh_seconds)",
        ),
        (("url: 'https://{cluster.fip}/'", "timeout: 2"), "steady_state.probes[0].provider.url is missing"),
        (
            ("{cluster.fip}", "{cluster.vip}"),
            "steady_state.probes[0].provider.url: {cluster.vip} names no fact of the product data",
        ),
        (
            ("    - name: クラスタの監査が通る\n", "    - title: クラスタの監査が通る\n"),
            "steady_state.probes[1].title: unknown key (a probe has name, provider, tolerance)",
        ),
        (
            ("steady_state:", "steady:"),
            "key 'steady_state' is missing: the product declares no steady-state hypothesis",
        ),
    ],
)
def test_wrong_probe_data_is_one_line_naming_the_file_and_the_key(tmp_path, change, message):
    with pytest.raises(ProductError) as wrong:
        SteadyState.of(product(tmp_path, PRODUCT.replace(*change)))
    assert str(wrong.value).startswith(f"{tmp_path / 'clweb.yaml'}: {message}")
    assert "\n" not in str(wrong.value)
