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


def _shown_types(page) -> list[str]:
    return [cell.strip() for cell in page.locator("tr.event td.event_type_name").all_inner_texts()]


@then(parsers.parse('ブラウザで Tengineコンソール にログインすると、イベント通知画面に "{first}" と "{second}" のイベントが表示されている'))
def events_on_console(parts, product, browser, lab_ca, recorder, first, second):
    health = console_url(parts, product, "/health")
    wait_until(lambda: _healthy(health, lab_ca), 30, f"the Tengine console does not answer at {health}")
    context = browser.new_context()
    try:
        page = context.new_page()
        _login(page, parts, product)
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
    finally:
        context.close()
