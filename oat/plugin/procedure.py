"""A feature folder is one procedure carried out on one lab, scenario after scenario.

Once a scenario of a folder fails, the lab is no longer in the state the scenarios after it
need (a DB left stopped, a group half moved), and their failures would say nothing about the
defect. So they are not run: each is reported as 未実施, naming the scenario whose failure
blocked it, and the first real failure is the one the report leads with. A waived failure (免除)
blocks nothing: the team accepted it, and what follows it runs. `--keep-going` runs
them anyway (to see everything a broken build breaks, at the price of follow-on failures).

For the same reason a scenario depends on the scenarios before it in its folder (the lab
state they leave). Selecting one (`-k`) on a fresh lab runs its folder's earlier scenarios
first, as its set-up (the report marks them 前提として実行); on a lab kept from an earlier run
(`--reuse-lab`) the lab already is in that state, and only the selected scenarios run. A
scenario that brings the lab to what it needs by its own 前提 steps carries the tag @独立 and
runs alone.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from oat.plugin.bdd import leave_out, left_out_key, scenario_of, set_up_for_key, template_of
from oat.plugin.report import scenario_key
from oat.record.outcome import Outcome

BLOCKED = Outcome.NOT_RUN
INDEPENDENT = "独立"  # tag: the scenario's own 前提 steps make what it needs
first_failure_key = pytest.StashKey[dict]()  # feature folder -> (label, outcome word) of its first failed scenario
deselected_key = pytest.StashKey[list]()  # items left out by -k / -m


def pytest_addoption(parser):
    parser.getgroup("oat").addoption(
        "--keep-going",
        action="store_true",
        help=f"run a folder's later scenarios after one has failed (by default they are reported as {BLOCKED.word})",
    )


def pytest_configure(config):
    config.stash[first_failure_key] = {}
    config.stash[deselected_key] = []


def pytest_deselected(items):
    if items:
        items[0].config.stash[deselected_key].extend(items)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """After -k/-m, on a fresh lab: the earlier scenarios of each selected scenario's folder
    run first, as its set-up (on a reused lab the state is already there)."""
    left_out = config.stash[deselected_key]
    if not left_out or config.getoption("reuse_lab", None):
        return
    needed = set_up_for(_positions(items), _positions(left_out))
    if not needed:
        return
    wanted = {}
    for item in left_out:
        for position in _positions([item]):
            if position[:2] in needed:
                item.stash[set_up_for_key] = needed[position[:2]]
                wanted[id(item)] = item
    # A folder runs in its own order (file name, then line): the set-up first, each in its place.
    folders = list(dict.fromkeys(position[0] for position in _positions(items)))
    everything = [*items, *wanted.values()]

    def order(item):
        found = _positions([item])
        if not found:
            return (len(folders), "", 0, everything.index(item))
        folder, (name, line), *_ = found[0]
        return (folders.index(folder), name, line, 0)

    items[:] = sorted(everything, key=order)
    left_out[:] = [item for item in left_out if id(item) not in wanted]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and "deselected" in reporter.stats:  # they run after all: not counted as deselected
        reporter.stats["deselected"] = [item for item in reporter.stats["deselected"] if id(item) not in wanted]


def set_up_for(selected, deselected) -> dict[tuple[str, tuple[str, int]], str]:
    """(folder, place) of each left-out scenario that a selected one needs -> the selected
    scenario's name: every earlier, non-independent scenario of its folder."""
    needed: dict = {}
    for folder, place, name, _, independent in selected:
        if independent:
            continue
        for f, p, _, _, ind in deselected:
            if f == folder and p < place and not ind:
                needed.setdefault((f, p), name)
    return needed


def _positions(items) -> list[tuple[str, tuple[str, int], str, str, bool]]:
    """(folder, (feature file, line), scenario, feature file shown, independent) per scenario item."""
    found = []
    for item in items:
        template = template_of(item)
        if template is None:
            continue
        path = Path(template.feature.filename)
        found.append(
            (
                path.parent.name,
                (path.name, template.line_number),
                template.name,
                f"{path.parent.name}/{path.name}",
                item.get_closest_marker(INDEPENDENT) is not None,
            )
        )
    return found


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    found = scenario_of(item)
    if found is None or item.config.getoption("keep_going", False):
        return
    first = item.config.stash[first_failure_key].get(found[0])
    if first:
        label, word = first
        leave_out(
            item,
            BLOCKED,
            f"{BLOCKED.word}: 同じラボで先に実行したシナリオ「{label}」が{word}だったため",
            blocked_by=label,
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    found = scenario_of(item)
    if found is None:
        return
    folder, written = found
    left_out = item.stash.get(left_out_key, None)
    if left_out and report.when == "setup":
        # Plain data, like the report plugin's: it reaches the controller under pytest-xdist.
        report.oat_scenario = {
            "folder": folder,
            "scenario": written,
            "label": _label(item, written),
            "name": _label(item, written),
            "started": time.time(),
            "duration": 0.0,
            "steps": [],
            **left_out,
        }
    elif report.failed and report.when in ("setup", "call"):  # a waived failure is no longer failed here
        ran = item.stash.get(scenario_key, None)  # the label as run, once its steps started
        word = Outcome.of(getattr(report, "oat_outcome", None) or Outcome.FAILED).word
        item.config.stash[first_failure_key].setdefault(folder, (ran[2] if ran else _label(item, written), word))


def _label(item, written: str) -> str:
    """The scenario as run: an outline's example is told apart by its parameters."""
    callspec = getattr(item, "callspec", None)
    return f"{written} [{callspec.id}]" if callspec is not None else written
