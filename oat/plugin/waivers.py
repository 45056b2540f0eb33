"""Waivers in a run: the file read, checked before any lab is made, and applied to each report.

- `waivers.yaml` beside pytest.ini, or `--waivers FILE` (oat.record.waivers says its format).
- A malformed file, or a waiver past its expiry, stops the run before anything is made: one
  line naming the file, the entry and the field, exit 7 (FeatureError).
- A waived failure is rewritten where pytest makes its report: outcome `skipped`, its message
  `免除: <the failure> — <reason> (承認: …)`. So the terminal counts it as `waived`, junit.xml
  holds it as a skipped test case with that message (and the property oat.outcome=免除), its
  folder's later scenarios run, and pytest's exit status is 0 when it is the only failure: every
  output agrees, instead of a failed test in junit.xml under an exit status changed afterwards.
- A waiver that names nothing of the project is a warning line at the end, and in the report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from oat.errors import OatError
from oat.model import traceability
from oat.plugin.project import project_of
from oat.record import waivers
from oat.record.outcome import Outcome

WAIVED_STATUS = ("waived", "w", Outcome.WAIVED.word)  # pytest's category, letter and word for it


@dataclass
class Book:
    """The run's waivers, what was wrong with the file, and the traceability they refer to."""

    waivers: waivers.Waivers = field(default_factory=waivers.Waivers)
    error: OatError | None = None
    unknown: list[waivers.Waiver] = field(default_factory=list)
    _mappings: dict = field(default_factory=dict)

    def mapping(self, config, folder: str) -> traceability.Mapping | None:
        if folder not in self._mappings:
            path = project_of(config).features / folder / "traceability.yaml"
            self._mappings[folder] = traceability.load(path) if path.is_file() else None
        return self._mappings[folder]


book_key = pytest.StashKey[Book]()


def pytest_addoption(parser):
    parser.getgroup("oat").addoption(
        "--waivers",
        metavar="FILE",
        default=None,
        help=f"the waiver file: failures accepted, each with reason, approver and expiry "
        f"(default: {waivers.FILE} beside pytest.ini, when there is one)",
    )


def pytest_configure(config):
    option = config.getoption("waivers", None)
    path = Path(option) if option else project_of(config).root / waivers.FILE
    book = Book()
    try:
        book.waivers = waivers.Waivers.load(path, required=bool(option))
    except OatError as exc:
        book.error = exc
    config.stash[book_key] = book


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session):
    """Before collection (and under pytest-xdist, on the controller, before any test is handed
    out): a bad waiver file or an expired waiver stops the run; unknown waivers are noted."""
    config = session.config
    book = config.stash[book_key]
    if hasattr(config, "workerinput") or config.option.collectonly:
        return
    error = book.error or book.waivers.expiry_error(dt.date.today())
    if error is not None:
        pytest.exit(f"oat: {error}", returncode=error.exit_code)
    if book.waivers.entries:
        features = project_of(config).features
        folders = {w.folder for w in book.waivers.entries}
        scenarios = {f: traceability.scenarios_of(sorted((features / f).glob("*.feature"))) for f in folders}
        try:
            mappings = {f: m for f in folders if (m := book.mapping(config, f)) is not None}
        except OatError as exc:
            pytest.exit(f"oat: {exc}", returncode=exc.exit_code)
        book.unknown = book.waivers.unknown(scenarios, mappings)


def waive(item, report) -> None:
    """The report of a scenario whose failure a waiver accepts becomes 免除 (see above); a
    waived scenario that passed gets the note that its waiver is no longer needed."""
    book = item.config.stash.get(book_key, None)
    scenario = getattr(report, "oat_scenario", None)
    if book is None or not book.waivers.entries or not scenario:
        return
    outcome = Outcome.of(scenario["outcome"])
    if outcome == Outcome.PASSED:
        own = [w for w in book.waivers.entries if w.covers_scenario(scenario)]
        if own:
            scenario["waiver"] = {"text": waivers.unneeded(own), "entries": [w.data() for w in own], "unneeded": True}
        return
    if not outcome.failing:
        return
    found = book.waivers.for_result(scenario, book.mapping(item.config, scenario["folder"]))
    if not found:
        return
    text = " / ".join(w.text for w in found)
    scenario.update(
        outcome=Outcome.WAIVED.value, waived=outcome.value, waiver={"text": text, "entries": [w.data() for w in found]}
    )
    report.oat_outcome = Outcome.WAIVED.value
    cause = scenario.get("failure", {}).get("headline") or report.longreprtext.strip().splitlines()[-1:]
    report.outcome = "skipped"
    report.longrepr = (str(item.path), (item.location[1] or 0) + 1, f"{Outcome.WAIVED.word}: {''.join(cause)} — {text}")


def pytest_report_teststatus(report, config):
    if getattr(report, "oat_outcome", None) == Outcome.WAIVED.value and report.when in ("setup", "call"):
        return WAIVED_STATUS
    return None


def lines(config, results: list[dict]) -> list[str]:
    """The console's lines about waivers: each applied, each no longer needed, each unknown."""
    book = config.stash.get(book_key, None)
    if book is None or not book.waivers.entries:
        return []
    found = []
    for r in results:
        waiver = r.get("waiver")
        if waiver and Outcome.of(r["outcome"]) == Outcome.WAIVED:
            found.append(f"[oat] {Outcome.WAIVED.word}: {r['folder']}/{r['label']}: {waiver['text']}")
        elif waiver:
            found.append(f"[oat] {r['folder']}/{r['label']}: {waiver['text']}")
    for w in book.unknown:
        found.append(
            f"[oat] warning: {book.waivers.path}: entry {w.number} ({w.item}) names no scenario or "
            "documented step of the project: it waives nothing"
        )
    return found
