"""Steps that use CL/Web as its users do: a real headless browser, and its API.

Every HTTPS call verifies the server against the lab's CA. The floating IP is the only
address clients use, as the guide intends.
"""
from __future__ import annotations

import time

import requests
from pytest_bdd import parsers, then

from oat.wait import wait_until
from steps.cluster import SIDES, audit_cluster, node_of, state


def clweb_url(product, path: str = "/") -> str:
    return f"https://{product['cluster.fip']}{path}"


def api_status(product, clweb_state, lab_ca, timeout: float = 2.0):
    """The API's answer, or None when the floating IP does not answer correctly."""
    try:
        reply = requests.get(clweb_url(product, "/api/v1/status"), timeout=timeout, verify=str(lab_ca.file),
                             headers={"X-CLWeb-Api-Key": clweb_state["api_key"]})
    except requests.RequestException:
        return None
    return reply.json() if reply.status_code == 200 else None


@then(parsers.re(f"ブラウザからフローティング IP の CL/Web に接続でき、{SIDES}が応答している"))
def browser_reaches_clweb(lab, product, browser, lab_ca, clweb_state, recorder, side):
    node = node_of(product, side)
    answer = wait_until(lambda: api_status(product, clweb_state, lab_ca), 30,
                        f"CL/Web does not answer on {clweb_url(product)}")
    assert answer["node"] == node, f"{clweb_url(product)} is answered by {answer['node']}, expected {node}"
    page = browser.new_page()
    try:
        response = page.goto(clweb_url(product), wait_until="load", timeout=15000)
        assert response is not None and response.ok, f"{clweb_url(product)} answered {response.status if response else 'nothing'}"
        assert "JobCenter CL/Web" in page.title(), f"unexpected page title '{page.title()}'"
        recorder.attach("png", f"{clweb_url(product)} ({node}, CL/Web {answer['version']})", page.screenshot(full_page=True))
    finally:
        page.close()


@then(parsers.re(f"フェイルオーバーが発生し、{SIDES}で CL/Web が正常に立ち上がっている"))
def failover_happened(lab, product, lab_ca, clweb_state, recorder, side):
    node = node_of(product, side)
    killed_at = clweb_state["killed_at"]

    def served_by_target():
        answer = api_status(product, clweb_state, lab_ca, timeout=0.5)
        return answer if answer and answer["node"] == node else None

    answer = wait_until(served_by_target, 60,
                        lambda: f"CL/Web on {clweb_url(product)} is not answered by {node} after the kill: "
                                f"{state(lab, product)}", interval=0.05)
    rto = time.time() - killed_at
    clweb_state.setdefault("rto", []).append((clweb_state["killed_on"], node, rto))
    recorder.attach("text", "RTO (kill -9 から最初の正しい HTTPS 応答まで)",
                    f"{clweb_state['killed_on']} → {node}: {rto:.2f} 秒 (CL/Web {answer['version']})")
    audit_cluster(lab, product, node, state(lab, product))
