"""A real headless browser (Chromium, the `browser` fixture: it trusts the lab's CA and
nothing else) from the test runner, as an operator checks a web page: the page opens, shows
what the runbook says, and its screen is attached to the report. The URL's host may be a
server name or role of the lab, as for the HTTP checks (oat/vocabulary/http.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

from pytest_bdd import then

from oat.vocabulary.checks import excerpt, sentence
from oat.vocabulary.http import lab_url
from oat.wait import wait_until

NETWORK_CHANGED = "net::ERR_NETWORK_CHANGED"
PAGE_SECONDS = 15


def open_page(page, url: str, timeout_ms: int = PAGE_SECONDS * 1000):
    """page.goto, as a user who presses reload once the network settles: Chromium aborts a
    navigation with ERR_NETWORK_CHANGED whenever the host's interfaces change, and every lab
    server that reboots takes its network interfaces down and up on the host. Only that
    error is retried, within the same deadline; any other failure is the answer."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            return page.goto(url, wait_until="load", timeout=timeout_ms)
        except Exception as exc:  # noqa: BLE001 - playwright's Error, checked by its text
            if NETWORK_CHANGED not in str(exc) or time.monotonic() > deadline:
                raise


def submit(page, send: Callable[[], None], shown: str, timeout_ms: int = PAGE_SECONDS * 1000) -> None:
    """Send a form (`send` fills it in and presses its button), then wait until the page shows
    `shown` (a selector). Chromium aborts the form's navigation too with ERR_NETWORK_CHANGED
    when the host's interfaces change: then the operator goes back and sends it again, within
    the same deadline (the forms sent so are idempotent: a login, a memo saved whole). Any
    other end is the answer: the wait fails naming what the page shows instead."""
    deadline = time.monotonic() + timeout_ms / 1000
    send()
    while True:
        state = _state(page, shown)
        if state == "shown":
            return
        if state == "network changed" and time.monotonic() < deadline:
            page.go_back(wait_until="load")
            send()
            continue
        if state == "error page" or time.monotonic() > deadline:
            raise AssertionError(
                f"{page.url} does not show {shown} within {timeout_ms / 1000:g} s: {excerpt(_text(page), 160)}"
            )
        page.wait_for_timeout(200)


def _state(page, shown: str) -> str:
    try:
        if page.url.startswith("chrome-error://"):
            return "network changed" if NETWORK_CHANGED.removeprefix("net::") in page.content() else "error page"
        return "shown" if page.locator(shown).first.is_visible() else "waiting"
    except Exception:  # noqa: BLE001 - playwright's Error while the page navigates: look again
        return "waiting"


def _text(page) -> str:
    try:
        return page.inner_text("body")
    except Exception:  # noqa: BLE001 - playwright's Error: no page to read
        return "(no page)"


@then(sentence('ブラウザで "{url:q}" を開くと "{text}" が表示される'))
def browser_shows(request, lab, browser, recorder, url, text):
    """The page opens in a real browser (HTTP status below 400) and shows the text; its screen
    is attached. The browser session stays open until the scenario ends (a failing step's
    screen goes to the report too)."""
    real = lab_url(lab, url)
    context = browser.new_context()
    request.addfinalizer(context.close)
    page = context.new_page()
    try:
        answer = open_page(page, real)
    except Exception as exc:  # noqa: BLE001 - playwright's Error: the page did not open
        raise AssertionError(f"the browser could not open {real}: {excerpt(str(exc), 200)}") from None
    assert answer is not None and answer.status < 400, (
        f"the browser got HTTP {answer.status if answer else '?'} from {real}"
    )
    wait_until(
        lambda: text in page.inner_text("body"),
        PAGE_SECONDS,
        lambda: f"{real} does not show '{text}' in the browser: {excerpt(page.inner_text('body'), 200)}",
    )
    recorder.attach("png", f"ブラウザの画面 ({real})", page.screenshot(full_page=True))
