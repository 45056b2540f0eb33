"""The steady-state hypothesis, in Chaos Toolkit's shape: probes, declared as product data
(lab/products/NAME.yaml `steady_state`), that must all hold before a fault and again once
the system has recovered from it.

    steady_state:
      title: CL/Web answers on the floating IP and the fault is watched
      within: 15                    # seconds the probes are given to hold together
      probes:
        - name: CL/Web がフローティング IP で応答する
          provider: {type: https, url: 'https://{cluster.fip}/'}   # {key}: another fact of the file
          tolerance: {status: 200, text: JobCenter CL/Web}
        - name: クラスタの監査が通る
          provider: {type: cluster-audits}

Before the fault, a probe that does not hold means the test would blame the product for the
state it was handed: SteadyStateNotMet, a LabError (the outcome エラー), naming the probe and
what it saw. After recovery, it means the product did not come back: SteadyStateLost, an
AssertionError (不合格). Each check is a bounded poll: the probes must hold together within
`within` seconds.

The probe types (provider keys, tolerance keys):
- https: GET `url` (verified with the lab's CA), `timeout`; its `status` (200) and a `text`
  the body contains;
- cluster-audits: every audit of oat/cluster/audits.py is clean with the group where it runs;
- sampler: the never-two-actives sampler (oat/faults/sampler.py) took a sample in the last
  `fresh_seconds`;
- writer: the append client (oat/faults/client.py) got a save acknowledged in the last
  `fresh_seconds`.
A probe whose subject the scenario does not have (no sampler in a scenario without one) is
listed as not applicable, never as held.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import requests

from oat import webclient
from oat.errors import LabError, ProductError, one_line
from oat.wait import WaitTimeout, wait_until

KEY = "steady_state"
BEFORE, AFTER = "定常状態の仮説 (障害の前)", "定常状態の仮説 (回復の後)"  # the evidence's titles
Note = Callable[[str, str], None]  # (title, text): where the findings go as evidence
REQUIRED = object()  # a provider key without a default


@dataclass(frozen=True)
class Kind:
    provider: Mapping[str, object]  # key -> default (REQUIRED: none)
    tolerance: Mapping[str, object]


KINDS: dict[str, Kind] = {
    "https": Kind({"url": REQUIRED, "timeout": 3.0}, {"status": 200, "text": ""}),
    "cluster-audits": Kind({}, {}),
    "sampler": Kind({"fresh_seconds": 2.0}, {}),
    "writer": Kind({"fresh_seconds": 5.0}, {}),
}


class SteadyStateNotMet(LabError):
    """Before a fault, the steady state did not hold: the environment, not the product."""


class SteadyStateLost(AssertionError):
    """After recovery, the steady state did not hold again: the product did not come back."""


@dataclass(frozen=True)
class Probe:
    name: str
    type: str
    provider: Mapping[str, object]  # with the defaults filled in
    tolerance: Mapping[str, object]
    key: str  # where it is declared: steady_state.probes[N]


def _fetch(url: str, ca_file: str | None, timeout: float) -> tuple[int, str]:
    with webclient.session(ca_file or True) as session:  # no proxy or CA bundle from the environment
        answer = session.get(url, timeout=timeout, allow_redirects=False)
        return answer.status_code, answer.text


@dataclass
class Subject:
    """What the probes look at in this scenario; None for what it does not have."""

    ca_file: str | None = None
    cluster: object | None = None  # oat.cluster.Cluster
    sampler: object | None = None  # oat.faults.sampler.ActiveSampler
    writer: object | None = None  # oat.faults.client.AppendClient
    fetch: Callable[[str, str | None, float], tuple[int, str]] = field(default=_fetch)


@dataclass(frozen=True)
class Finding:
    probe: Probe
    seen: str
    held: bool | None  # None: not applicable in this scenario

    def line(self) -> str:
        return f"probe '{self.probe.name}' ({self.probe.type}): {self.seen}"


# --- the probes: each returns what it saw that breaks it, or None ------------------------


def _https(probe: Probe, subject: Subject) -> str | None:
    url, expected, text = probe.provider["url"], probe.tolerance["status"], probe.tolerance["text"]
    try:
        status, body = subject.fetch(url, subject.ca_file, float(probe.provider["timeout"]))
    except requests.RequestException as exc:
        return f"GET {url}: {one_line(exc)[:200]}"
    if status != expected:
        return f"GET {url} answered {status}, expected {expected}"
    if text and text not in body:
        return f"GET {url} answered {status} without '{text}'"
    return None


def _audits(probe: Probe, subject: Subject) -> str | None:
    cluster = subject.cluster
    try:
        state = cluster.state()
        if state.node is None:
            return f"the group runs nowhere whole: {state.members or 'no resources'}"
        cluster.audit(state.node)
    except (AssertionError, LabError) as exc:
        return one_line(exc)
    return None


def _sampler(probe: Probe, subject: Subject) -> str | None:
    samples, fresh = subject.sampler.samples, float(probe.provider["fresh_seconds"])
    if not samples:
        return "it has taken no sample"
    age = time.time() - samples[-1].at
    return f"its last sample is {age:.1f} s old (more than {fresh:g} s: stopped)" if age > fresh else None


def _writer(probe: Probe, subject: Subject) -> str | None:
    client, fresh = subject.writer, float(probe.provider["fresh_seconds"])
    if not client.calls:
        return "it has made no call"
    saved = [at for at, _ in client.saved_by.values()]
    if saved and time.time() - max(saved) <= fresh:
        return None
    last = client.calls[-1]
    return (
        f"no save acknowledged in the last {fresh:g} s ({len(client.calls)} calls, {len(saved)} saved; "
        f"last: {last[2]}, {time.time() - last[0]:.1f} s ago)"
    )


_PROBES: dict[str, tuple[str, Callable[[Probe, Subject], str | None]]] = {
    "https": ("ca_file", _https),
    "cluster-audits": ("cluster", _audits),
    "sampler": ("sampler", _sampler),
    "writer": ("writer", _writer),
}


# --- the hypothesis -----------------------------------------------------------------------


@dataclass(frozen=True)
class SteadyState:
    title: str
    probes: tuple[Probe, ...]
    within: float = 15.0

    @classmethod
    def of(cls, product) -> SteadyState:
        """The product data's `steady_state`; anything wrong in it is one ProductError naming
        the file and the key."""
        where = getattr(product, "path", "the product data")
        try:
            data = product[KEY]
        except (KeyError, LabError):
            raise ProductError(
                f"{where}: key '{KEY}' is missing: the product declares no steady-state hypothesis ({KEY}.probes)"
            ) from None
        entries = data.get("probes") if isinstance(data, Mapping) else None
        if not isinstance(entries, list) or not entries:
            raise ProductError(f"{where}: {KEY}.probes: a list of probes (name, provider) expected")
        probes = tuple(_probe(product, where, f"{KEY}.probes[{i}]", entry) for i, entry in enumerate(entries))
        return cls(str(data.get("title", "")), probes, float(data.get("within", 15.0)))

    def check(self, subject: Subject) -> list[Finding]:
        """Every probe, once."""
        findings = []
        for probe in self.probes:
            needs, run = _PROBES[probe.type]
            if getattr(subject, needs) is None:
                findings.append(Finding(probe, f"not applicable: this scenario has no {needs}", None))
                continue
            seen = run(probe, subject)
            findings.append(Finding(probe, seen or "held", seen is None))
        return findings

    def holds(self, subject: Subject) -> tuple[bool, list[Finding]]:
        """Whether every applicable probe holds at once within `within` seconds, and the
        findings of the last look."""
        last: dict[str, list[Finding]] = {}

        def together() -> bool:
            last["findings"] = self.check(subject)
            return all(f.held is not False for f in last["findings"])

        try:
            wait_until(together, self.within, "", interval=0.5)
        except WaitTimeout:
            return False, last["findings"]
        return True, last["findings"]

    def before(self, subject: Subject, fault: str, note: Note | None = None) -> list[Finding]:
        """The hypothesis before `fault`; SteadyStateNotMet (エラー) when it does not hold.
        `note` is given a title and the findings, one line per probe, held or not."""
        return self._judged(
            subject,
            note,
            BEFORE,
            lambda failures: SteadyStateNotMet(
                f"steady state did not hold before {fault}, so the fault was not injected: {failures}"
            ),
        )

    def after(self, subject: Subject, fault: str, note: Note | None = None) -> list[Finding]:
        """The hypothesis after recovery from `fault`; SteadyStateLost (不合格) when it does not hold."""
        return self._judged(
            subject,
            note,
            AFTER,
            lambda failures: SteadyStateLost(f"steady state not restored after {fault}: {failures}"),
        )

    def _judged(
        self, subject: Subject, note: Note | None, title: str, error: Callable[[str], Exception]
    ) -> list[Finding]:
        held, findings = self.holds(subject)
        if note is not None:
            note(title, evidence(findings))
        if not held:
            failures = "; ".join(f.line() for f in findings if f.held is False)
            raise error(f"{failures} (probed for {self.within:g} s)")
        return findings


def evidence(findings: list[Finding]) -> str:
    """One line per probe, for the report: ○ held, × not, − not applicable."""
    mark = {True: "○", False: "×", None: "−"}
    return "\n".join(f"{mark[f.held]} {f.probe.name} ({f.probe.type}): {f.seen}" for f in findings)


# --- reading the data ---------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")


def _probe(product, where, key: str, entry) -> Probe:
    if not isinstance(entry, Mapping):
        raise ProductError(f"{where}: {key}: a probe (name, provider, tolerance) expected, not {entry!r}")
    unknown = sorted(set(entry) - {"name", "provider", "tolerance"})
    if unknown:
        raise ProductError(f"{where}: {key}.{unknown[0]}: unknown key (a probe has name, provider, tolerance)")
    if not entry.get("name"):
        raise ProductError(f"{where}: {key}.name is missing")
    provider = dict(entry.get("provider") or {})
    kind_name = provider.pop("type", None)
    if kind_name not in KINDS:
        raise ProductError(
            f"{where}: {key}.provider.type: unknown probe type {kind_name!r} (known: {', '.join(KINDS)})"
        )
    kind = KINDS[kind_name]
    given = {"provider": provider, "tolerance": dict(entry.get("tolerance") or {})}
    filled = {}
    for part, defaults in (("provider", kind.provider), ("tolerance", kind.tolerance)):
        extra = sorted(set(given[part]) - set(defaults))
        if extra:
            raise ProductError(
                f"{where}: {key}.{part}.{extra[0]}: unknown key (a {kind_name} probe's {part} has: "
                f"{', '.join(defaults) or 'nothing'})"
            )
        missing = [name for name, default in defaults.items() if default is REQUIRED and name not in given[part]]
        if missing:
            raise ProductError(f"{where}: {key}.{part}.{missing[0]} is missing")
        filled[part] = {
            name: _expanded(product, where, f"{key}.{part}.{name}", given[part].get(name, default))
            for name, default in defaults.items()
        }
    return Probe(str(entry["name"]), kind_name, filled["provider"], filled["tolerance"], key)


def _expanded(product, where, key: str, value):
    """A text's {dotted.key} placeholders replaced by those facts of the product data."""
    if not isinstance(value, str):
        return value

    def fact(match: re.Match) -> str:
        try:
            return str(product[match.group(1)])
        except (KeyError, LabError):
            raise ProductError(f"{where}: {key}: {{{match.group(1)}}} names no fact of the product data") from None

    return _PLACEHOLDER.sub(fact, value)
