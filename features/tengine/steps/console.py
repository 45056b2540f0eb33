"""Steps that use the Tengine console as the operator does: a real headless Chromium that
trusts only the lab's CA, logging in and reading the event notification screen."""
from __future__ import annotations

import requests
from pytest_bdd import parsers, then

from oat.wait import wait_until


def console_url(parts, product, path: str = "") -> str:
    return parts.render(product["console.url"]).rstrip("/") + path


def _healthy(url: str, lab_ca) -> bool:
    try:
        return requests.get(url, timeout=2, verify=str(lab_ca.file)).status_code == 200
    except requests.RequestException:
        return False


def _login(page, parts, product) -> None:
    page.goto(console_url(parts, product, "/login"), wait_until="load", timeout=15000)
    page.fill("#user", product["console.operator.user"])
    page.fill("#password", product["console.operator.password"])
    page.click("#login")
    page.wait_for_selector("table#events", timeout=15000)


def logged_in_page(parts, product, browser, request):
    """A fresh browser session logged in to the console, open until the scenario ends (so a
    failing step's screen can still be put in the report)."""
    context = browser.new_context()
    request.addfinalizer(context.close)
    page = context.new_page()
    _login(page, parts, product)
    return page


def _shown_types(page) -> list[str]:
    return [cell.strip() for cell in page.locator("tr.event td.event_type_name").all_inner_texts()]


@then(parsers.parse('ブラウザで Tengineコンソール にログインすると、イベント通知画面に "{first}" と "{second}" のイベントが表示されている'))
def events_on_console(parts, product, browser, lab_ca, recorder, request, first, second):
    health = console_url(parts, product, "/health")
    wait_until(lambda: _healthy(health, lab_ca), 30, f"the Tengine console does not answer at {health}")
    page = logged_in_page(parts, product, browser, request)
    assert page.title() == product["console.title"], f"unexpected page title '{page.title()}'"
    shown = _shown_types(page)
    missing = [name for name in (first, second) if name not in shown]
    assert not missing, f"the event notification screen lacks {', '.join(missing)} (shows {shown[:10]})"
    recorder.attach("png", f"イベント通知画面 ({console_url(parts, product, '/events')})",
                    page.screenshot(full_page=True))
    # The screen filters by event type: only the chosen type stays.
    page.fill("#event_type_name", second)
    page.click("#filter")
    page.wait_for_load_state("load")
    filtered = set(_shown_types(page))
    assert filtered == {second}, f"filtering by '{second}' shows {sorted(filtered)}"
    recorder.attach("png", f"イベント通知画面: 種別 {second} で絞り込み", page.screenshot(full_page=True))


@then(parsers.parse('ブラウザで Tengineコンソール にログインすると、実行画面にジョブネット "{jobnet}" の成功が表示されている'))
def execution_on_console(parts, product, browser, lab_ca, recorder, request, jobnet):
    page = logged_in_page(parts, product, browser, request)
    page.goto(console_url(parts, product, "/executions"), wait_until="load", timeout=15000)
    row = page.locator("tr.execution", has=page.locator("td.jobnet", has_text=jobnet)).first
    assert row.count() == 1, f"the execution screen lists no execution of {jobnet}"
    status = row.locator("td.status").inner_text().strip()
    assert status == "success", f"the execution screen shows {jobnet} as '{status}'"
    recorder.attach("png", f"実行画面 ({console_url(parts, product, '/executions')})", page.screenshot(full_page=True))
