"""Steps that use the Tengine console as the operator does: a real headless Chromium that
trusts only the lab's CA, logging in and reading the event notification screen. The
console's paths, elements and texts are product data (lab/products/tengine.yaml `console`)."""

from __future__ import annotations

import requests
from pytest_bdd import parsers, then

from features.tengine.steps import TYPES
from oat import webclient
from oat.vocabulary.browser import open_page, submit
from oat.wait import wait_until

PAGE_TIMEOUT_MS = 15000  # how long the browser waits for a page or an element


def console_url(parts, product, page: str | None = None) -> str:
    """The console's URL, or that of one of its pages (a key of console.paths)."""
    return parts.render(product["console.url"]).rstrip("/") + (product[f"console.paths.{page}"] if page else "")


def _healthy(url: str, lab_ca) -> bool:
    try:
        return webclient.get(url, timeout=2, verify=str(lab_ca.file)).status_code == 200
    except requests.RequestException:
        return False


def _element(product, name: str) -> str:
    """The CSS selector of one of the console's elements (a key of console.selectors)."""
    return product[f"console.selectors.{name}"]


def _login(page, parts, product) -> None:
    open_page(page, console_url(parts, product, "login"), PAGE_TIMEOUT_MS)

    def send() -> None:
        page.fill(_element(product, "user_field"), product["console.operator.user"])
        page.fill(_element(product, "pass_field"), product["console.operator.password"])
        page.click(_element(product, "login_button"))

    submit(page, send, _element(product, "events_table"), PAGE_TIMEOUT_MS)


def logged_in_page(parts, product, browser, request):
    """A fresh browser session logged in to the console, open until the scenario ends (so a
    failing step's screen can still be put in the report)."""
    context = browser.new_context()
    request.addfinalizer(context.close)
    page = context.new_page()
    _login(page, parts, product)
    return page


def _shown_types(page, product) -> list[str]:
    return [cell.strip() for cell in page.locator(_element(product, "event_type")).all_inner_texts()]


@then(
    parsers.parse(
        'ブラウザで Tengineコンソール にログインすると、イベント通知画面に "{first:q}" と "{second:q}" のイベントが表示されている',
        extra_types=TYPES,
    )
)
def events_on_console(parts, product, browser, lab_ca, recorder, request, first, second):
    """Log in with a browser: the event notification screen shows both events and filters by type."""
    health = console_url(parts, product, "health")
    within = product["console.ready_within_seconds"]
    wait_until(
        lambda: _healthy(health, lab_ca), within, f"the Tengine console does not answer at {health} within {within} s"
    )
    page = logged_in_page(parts, product, browser, request)
    assert page.title() == product["console.title"], f"unexpected page title '{page.title()}'"
    shown = _shown_types(page, product)
    missing = [name for name in (first, second) if name not in shown]
    assert not missing, f"the event notification screen lacks {', '.join(missing)} (shows {shown[:10]})"
    recorder.attach(
        "png", f"イベント通知画面 ({console_url(parts, product, 'events')})", page.screenshot(full_page=True)
    )
    # The screen filters by event type: only the chosen type stays.
    page.fill(_element(product, "event_filter_field"), second)
    page.click(_element(product, "event_filter_submit"))
    page.wait_for_load_state("load")
    filtered = set(_shown_types(page, product))
    assert filtered == {second}, f"filtering by '{second}' shows {sorted(filtered)}"
    recorder.attach("png", f"イベント通知画面: 種別 {second} で絞り込み", page.screenshot(full_page=True))


@then(
    parsers.parse(
        'ブラウザで Tengineコンソール にログインすると、実行画面にジョブネット "{jobnet:q}" の成功が表示されている',
        extra_types=TYPES,
    )
)
def execution_on_console(parts, product, browser, lab_ca, recorder, request, jobnet):
    """Log in with a browser: the execution screen shows the jobnet's last execution as a success."""
    _execution_shown(parts, product, browser, recorder, request, jobnet, product["console.execution_success"])


@then(
    parsers.parse(
        'ブラウザで Tengineコンソール にログインすると、実行画面にジョブネット "{jobnet:q}" の失敗が表示されている',
        extra_types=TYPES,
    )
)
def failed_execution_on_console(parts, product, browser, lab_ca, recorder, request, jobnet):
    """Log in with a browser: the execution screen shows the jobnet's last execution as failed."""
    _execution_shown(parts, product, browser, recorder, request, jobnet, product["console.execution_failure"])


def _execution_shown(parts, product, browser, recorder, request, jobnet: str, expected: str) -> None:
    page = logged_in_page(parts, product, browser, request)
    url = console_url(parts, product, "executions")
    open_page(page, url, PAGE_TIMEOUT_MS)
    jobnet_cell = page.locator(_element(product, "execution_jobnet"), has_text=jobnet)
    row = page.locator(_element(product, "execution_row"), has=jobnet_cell).first
    assert row.count() == 1, f"the execution screen lists no execution of {jobnet}"
    status = row.locator(_element(product, "execution_status")).inner_text().strip()
    assert status == expected, f"the execution screen shows {jobnet} as '{status}', expected '{expected}'"
    recorder.attach("png", f"実行画面 ({url})", page.screenshot(full_page=True))
