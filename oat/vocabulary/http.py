"""HTTP(S) from the test runner (requests), as a client of the lab sees a web server.

- The URL's host may be a server name or role of the lab: it is replaced by that server's
  address (the lab CA's certificates carry IP SANs). A role of several servers means each of
  them in the one-shot check (`… が HTTP ステータス N を返す`); a fetch keeps one answer for the
  steps after it, so there it must name one server. Any other host must be loopback or an
  address of the lab's networks: nothing is sent, and no name is looked up, elsewhere.
  Proxies from the environment are ignored and redirects are not followed, for the same reason.
- TLS is always verified: against the lab's CA (`lab_ca`), or against the CA file the
  sentence names (a relative path is taken from the feature's folder). Never verify=False.
- Each request is recorded in the report: the URL, the status line, the headers and the start
  of the body, under the server it went to (so a failing check shows that server's journal),
  sent by the test runner (試験端末; a request to loopback is recorded under 試験端末 alone).

`もし "URL" を取得する` keeps the answer (`http_response`) for the next steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from pytest_bdd import then, when

from oat import webclient
from oat.errors import LabError, one_line
from oat.model.targets import TargetError, address, check_destination, is_known, specs
from oat.vocabulary.checks import check, excerpt, sentence

RUNNER = "試験端末"  # the test runner, as the report names who sent a request
TIMEOUT = 10.0
BODY_SHOWN = 4000  # characters of a body kept as evidence


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    reason: str
    headers: dict  # requests' case-insensitive mapping
    text: str

    def first_line(self) -> str:
        return excerpt(self.text, 120)


@pytest.fixture
def http_response() -> Response:
    """The answer of the scenario's last fetch step (this default says none has run yet)."""
    raise LabError(
        'no URL has been fetched in this scenario yet: a step like もし "URL" を取得する must come before this one'
    )


def lab_url(lab, url: str) -> str:
    """The URL with a server name or role as host replaced by its address; refused (TargetError)
    unless the host is loopback or on the lab's networks. A role of several servers is refused
    (targets.address): one URL is one request, whose answer a fetch keeps for the next steps."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(f"'{url}' is not an http:// or https:// URL with a host")
    host = _host(parts.netloc)  # as written: urlsplit's hostname is lower-cased (a role "Webサーバ")
    if is_known(lab, host):
        host = address(lab, host)
    check_destination(lab, host, url)
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    if "@" in parts.netloc:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def lab_urls(lab, url: str) -> list[str]:
    """The URL once for each server its host means (a role: each of its servers), as lab_url makes it."""
    host = _host(urlsplit(url).netloc)
    if not is_known(lab, host):
        return [lab_url(lab, url)]
    netloc = urlsplit(url).netloc
    at = netloc.rfind(host)  # the host as written, after any user:password@
    return [
        lab_url(lab, url.replace(netloc, netloc[:at] + spec.name + netloc[at + len(host) :], 1))
        for spec in specs(lab, host)
    ]


def _host(netloc: str) -> str:
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        return hostport[1 : hostport.index("]")]
    return hostport.rpartition(":")[0] if ":" in hostport else hostport


def _server_at(lab, url: str) -> str | None:
    """The name of the lab's server the (resolved) URL goes to, if it is one."""
    host = _host(urlsplit(url).netloc)
    return next((spec.name for spec in lab.topology.servers.values() if host in spec.addresses.values()), None)


def fetch(lab, recorder, url: str, verify) -> Response:
    """GET the URL once from the test runner; recorded. No answer is an AssertionError."""
    real = lab_url(lab, url)
    target = _server_at(lab, real)
    where, via = (target, f"requests ({RUNNER}から)") if target else (RUNNER, "requests")
    shown = f"GET {real}" + (f"  ({url})" if real != url else "")
    started = time.monotonic()
    try:
        with webclient.session(verify) as session:  # nothing from the environment; the way in if any
            reply = session.get(real, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        recorder.record(where, shown, None, "", one_line(exc), time.monotonic() - started, via=via)
        raise AssertionError(f"GET {real}: no answer ({excerpt(one_line(exc), 200)})") from None
    head = "\n".join(f"{k}: {v}" for k, v in reply.headers.items())
    body = _body(reply)
    recorder.record(
        where,
        shown,
        0,
        f"HTTP {reply.status_code} {reply.reason}\n{head}\n\n{body[:BODY_SHOWN]}",
        "",
        time.monotonic() - started,
        via=via,
    )
    return Response(real, reply.status_code, reply.reason, reply.headers, body)


def _body(reply) -> str:
    """The body as text: in the charset the headers name; without one, UTF-8 when it decodes so
    (requests would take ISO-8859-1 for any text/* without a charset, garbling Japanese)."""
    if "charset=" not in reply.headers.get("Content-Type", "").lower():
        try:
            return reply.content.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return reply.text


def _lab_ca(request, url: str):
    """The lab CA's file for an https URL (the fixture is asked for only then)."""
    return str(request.getfixturevalue("lab_ca").file) if url.lower().startswith("https:") else True


def _ca_file(request, ca: str) -> str:
    path = Path(ca)
    if not path.is_absolute():
        path = Path(request.node.path).parent / path
    if not path.is_file():
        raise LabError(f"CA file {path} not found: the certificate to verify the server against")
    return str(path)


@when(sentence('"{url:q}" を取得する'), target_fixture="http_response")
def get_url(request, lab, recorder, url):
    """GET the URL from the test runner (TLS verified against the lab CA) and keep the answer."""
    return fetch(lab, recorder, url, _lab_ca(request, url))


@when(sentence('"{url:q}" を CA ファイル "{ca:q}" で検証して取得する'), target_fixture="http_response")
def get_url_with_ca(request, lab, recorder, url, ca):
    """GET the URL from the test runner, verifying TLS against this CA file, and keep the answer."""
    return fetch(lab, recorder, url, _ca_file(request, ca))


@then(sentence("HTTP ステータスが {status:d} である"))
def response_status(http_response, status):
    """The kept answer has this HTTP status."""
    assert http_response.status == status, (
        f"{http_response.url} answered HTTP {http_response.status} {http_response.reason}, expected {status}: "
        f"{http_response.first_line()}"
    )


@then(sentence('応答の本文に "{text}" が含まれる'))
def response_body_contains(http_response, text):
    """The kept answer's body contains this text."""
    assert text in http_response.text, (
        f"the body from {http_response.url} (HTTP {http_response.status}) lacks '{text}': {http_response.first_line()}"
    )


@then(sentence('応答のヘッダ "{name:q}" が "{value}" である'))
def response_header(http_response, name, value):
    """The kept answer has this header with exactly this value."""
    seen = http_response.headers.get(name)
    assert seen == value, (
        f"{http_response.url}: header {name} is {repr(seen) if seen is not None else 'absent'}, expected '{value}'"
    )


@check('"{url:q}" が HTTP ステータス {status:d} を返す')
def url_answers_status(request, lab, recorder, url, status):
    """A GET of the URL from the test runner answers this HTTP status (TLS verified against the lab CA); with a role as host, each of its servers does."""
    problems = []
    for each_url in lab_urls(lab, url):
        try:
            answer = fetch(lab, recorder, each_url, _lab_ca(request, url))
        except AssertionError as exc:  # no answer
            problems.append(one_line(exc))
            continue
        if answer.status != status:
            problems.append(
                f"{answer.url} answered HTTP {answer.status} {answer.reason}, expected {status}: {answer.first_line()}"
            )
    assert not problems, "; ".join(problems)
