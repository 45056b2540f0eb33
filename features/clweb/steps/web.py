"""Steps that use CL/Web as its users do: a real headless browser, and its API.

Every HTTPS call verifies the server against the lab's CA. The floating IP is the only
address clients use, as the guide intends.
"""

from __future__ import annotations

import requests
from pytest_bdd import given, parsers, then, when

from features.clweb.steps.cluster import SIDE
from oat import webclient
from oat.errors import one_line
from oat.faults.availability import Probe, summary, timeline_svg
from oat.vocabulary.browser import open_page, submit
from oat.wait import wait_until


def clweb_url(product, path: str = "/") -> str:
    return f"https://{product['cluster.fip']}{path}"


def api_headers(product, clweb_state) -> dict:
    return {product["clweb.api.key_header"]: clweb_state.api_key}


def api_call(product, clweb_state, lab_ca, timeout: float = 2.0) -> tuple[dict | None, str]:
    """The API's answer when it is a correct one (HTTP 200, JSON), and in any case one line
    saying what was seen: the status, the body's first line, the node that answered."""
    url = clweb_url(product, product["clweb.api.status"])
    try:
        reply = webclient.get(url, timeout=timeout, verify=str(lab_ca.file), headers=api_headers(product, clweb_state))
    except requests.RequestException as exc:
        return None, f"{url}: no answer ({one_line(exc)})"
    first = next((line.strip() for line in reply.text.splitlines() if line.strip()), "(empty body)")[:160]
    if reply.status_code != 200:
        return None, f"{url}: HTTP {reply.status_code} {reply.reason}: {first}"
    try:
        answer = reply.json()
    except ValueError:
        return None, f"{url}: HTTP 200 but not JSON: {first}"
    return answer, f"{url}: HTTP 200 from {answer.get('node')} (CL/Web {answer.get('version')})"


def wait_answered_by(
    product, clweb_state, lab_ca, node: str, timeout: float = 60, interval: float = 0.2, detail=lambda: ""
):
    """Poll the floating IP until CL/Web answers from `node`; return that answer.
    `detail` adds what to show at the deadline (e.g. the cluster's state)."""
    seen = {"last": "nothing yet"}

    def from_node():
        answer, seen["last"] = api_call(product, clweb_state, lab_ca, timeout=0.5)
        return answer if answer and answer["node"] == node else None

    return wait_until(
        from_node,
        timeout,
        lambda: f"CL/Web on {clweb_url(product)} is not answered by {node}; last seen: {seen['last']}{detail()}",
        interval=interval,
    )


@then(parsers.parse("ブラウザからフローティング IP の CL/Web に接続でき、{side:Side}が応答している", extra_types=SIDE))
def browser_reaches_clweb(cluster, product, browser, lab_ca, clweb_state, recorder, side):
    """The API on the floating IP answers from that node, and a real browser loads the page."""
    node = cluster.node(side)
    seen = {"last": "nothing yet"}

    def answered():
        answer, seen["last"] = api_call(product, clweb_state, lab_ca)
        return answer

    answer = wait_until(
        answered, 30, lambda: f"CL/Web does not answer correctly on {clweb_url(product)}; last seen: {seen['last']}"
    )
    assert answer["node"] == node, f"{clweb_url(product)} is answered by {answer['node']}, expected {node}"
    page = browser.new_page()
    try:
        response = open_page(page, clweb_url(product))
        assert response is not None and response.ok, (
            f"{clweb_url(product)} answered {response.status if response else 'nothing'}"
        )
        assert product["clweb.page.title"] in page.title(), f"unexpected page title '{page.title()}'"
        recorder.attach(
            "png", f"{clweb_url(product)} ({node}, CL/Web {answer['version']})", page.screenshot(full_page=True)
        )
    finally:
        page.close()


@given("クライアントが API アクセスキーでフローティング IP の CL/Web API を呼び続けている")
def api_client_keeps_calling(product, lab_ca, clweb_state, request):
    """A client calls the API every 0.2 s until the scenario ends; each call is a sample."""
    headers = api_headers(product, clweb_state)

    def call() -> str:
        reply = webclient.get(
            clweb_url(product, product["clweb.api.status"]), timeout=1.0, verify=str(lab_ca.file), headers=headers
        )
        reply.raise_for_status()
        answer = reply.json()
        return f"{answer['node']} {answer['version']}"

    probe = Probe(call, interval=0.2).start()
    request.addfinalizer(probe.stop)  # never outlives the scenario, whatever happens
    clweb_state.probe = probe


@then("フローティング IP の CL/Web が新しいバージョンで応答している")
def answers_with_new_version(product, lab_ca, clweb_state):
    """The API on the floating IP answers with CL/Web's update version."""
    answer, seen = api_call(product, clweb_state, lab_ca)
    assert answer is not None, seen
    expected = product["parts.CL/Web.update_version"]
    assert answer["version"] == expected, (
        f"{clweb_url(product)} answers version {answer['version']}, expected {expected}"
    )


@then("API アクセスキーは変わらず使える")
@then("API アクセスキーはアップデートの前と変わらず使える")
def api_key_still_works(product, lab_ca, clweb_state):
    """The API access key issued at setup is still accepted."""
    # The key was issued once, in (4); it lives in config/ on the shared disk.
    answer, seen = api_call(product, clweb_state, lab_ca)
    assert answer is not None, f"the API access key issued at setup is refused now: {seen}"


@then("アップデート中の API の可用性が報告書に記録されている")
def availability_is_reported(clweb_state, recorder):
    """The API client's samples become the report's availability chart and numbers."""
    samples = clweb_state.probe.stop()
    assert samples, "the API client made no call"
    chart, numbers = timeline_svg(samples), summary(samples)
    recorder.attach("svg", "API の可用性 (緑: 応答あり、赤: 失敗)", chart)
    recorder.attach("text", "API の可用性", numbers)
    ok = sum(1 for s in samples if s.ok)
    recorder.measure(
        "availability", "ローリングアップデート中の CL/Web API", 100.0 * ok / len(samples), svg=chart, text=numbers
    )


# --- 注意事項: a browser session across a failover ----------------------------------


def _page(browser, clweb_state):
    if clweb_state.page is None:
        clweb_state.page = browser.new_context().new_page()
    return clweb_state.page


def _sel(product, name: str) -> str:
    return product[f"clweb.page.{name}"]


def _login(page, product) -> None:
    open_page(page, clweb_url(product))

    def send() -> None:
        page.fill(_sel(product, "user_box"), product["clweb.operator.user"])
        page.fill(_sel(product, "pass_box"), product["clweb.operator.password"])
        page.click(_sel(product, "login"))

    submit(page, send, _sel(product, "memo"))


def _on_login_page(page, product, recorder, what: str) -> None:
    assert page.locator(_sel(product, "login")).count() == 1, (
        f"{what}: the login page is not shown (title '{page.title()}')"
    )
    recorder.attach("png", what, page.screenshot(full_page=True))


@given(parsers.parse('運用者がブラウザで CL/Web にログインし、マイページに "{memo}" を保存している'))
def logged_in_with_memo(browser, product, clweb_state, recorder, memo):
    """Log in with a browser session of its own (an earlier scenario's is closed) and save the memo on MyPage."""
    if clweb_state.page is not None:
        clweb_state.page.context.close()
        clweb_state.page = None
    page = _page(browser, clweb_state)
    _login(page, product)
    save_memo(browser, product, clweb_state, recorder, memo)


@when(
    parsers.parse(
        '運用者がマイページを "{memo}" に編集している間にフェイルオーバーグループを{side:Side}へ移動する',
        extra_types=SIDE,
    )
)
def edit_during_failover(cluster, browser, product, clweb_state, lab_ca, memo, side):
    """Type a memo (not saved), then move the group to that node."""
    page = _page(browser, clweb_state)
    page.fill(_sel(product, "memo"), memo)  # typed, not saved yet
    node = cluster.node(side)
    cluster.move(node)
    cluster.audit(node)
    wait_answered_by(product, clweb_state, lab_ca, node)


@then("マイページの保存に失敗し、ログイン画面に戻る")
def save_fails(browser, product, clweb_state, recorder):
    """Saving is refused (401), the page says the session expired and shows the login page."""
    page = _page(browser, clweb_state)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click(_sel(product, "save"))
    assert posted.value.status == 401, f"saving after the failover answered {posted.value.status}, expected 401"
    message = product["clweb.messages.session_expired"]
    assert message in page.content(), f"the page does not say '{message}'"
    _on_login_page(page, product, recorder, "フェイルオーバー後の保存 (失敗してログイン画面)")


@when("運用者が再度ログインする")
def log_in_again(browser, product, clweb_state):
    """Log in again in the same browser."""
    _login(_page(browser, clweb_state), product)


@when(parsers.parse('運用者がマイページに "{memo}" を保存する'))
def save_memo(browser, product, clweb_state, recorder, memo):
    """Type the memo on MyPage and save it (the page confirms)."""
    page = _page(browser, clweb_state)

    def send() -> None:
        page.fill(_sel(product, "memo"), memo)
        page.click(_sel(product, "save"))

    submit(page, send, _sel(product, "saved"))


@then(parsers.parse('マイページに "{memo}" が残っている'))
@then(parsers.parse('マイページに "{memo}" が保存されている'))
def memo_is(browser, product, clweb_state, recorder, memo):
    """After a reload, MyPage holds exactly that memo."""
    page = _page(browser, clweb_state)
    page.reload(wait_until="load")
    found = page.input_value(_sel(product, "memo")).strip()
    assert found == memo, f"MyPage holds '{found}', expected '{memo}'"
    recorder.attach("png", f"マイページ: {memo}", page.screenshot(full_page=True))


@then("ブラウザで参照中の画面を再読み込みするとログイン画面に戻る")
def reload_lands_on_login(cluster, browser, product, clweb_state, lab_ca, recorder):
    """Once the node holding the group answers, reloading the page shows the login page."""
    wait_answered_by(
        product,
        clweb_state,
        lab_ca,
        cluster.wait_for_state(lambda s: s.healthy, 60, "the group is not running", cluster.nodes[0]).node,
    )
    page = _page(browser, clweb_state)
    page.reload(wait_until="load")
    _on_login_page(page, product, recorder, "フェイルバック後の再読み込み (ログイン画面)")
