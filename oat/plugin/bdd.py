"""What pytest-bdd knows of a test item and of its report, for the plugins that look at
scenarios.

This is the one module of oat that reads pytest-bdd's private registries: pytest-bdd has no
public way to ask which scenario a test item runs (before it runs), nor to reach the scenario
data its cucumber.json is written from. Every other module asks here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_bdd.reporting import ReportContext, test_report_context_registry
from pytest_bdd.scenario import scenario_wrapper_template_registry

from oat.record.outcome import Outcome

left_out_key = pytest.StashKey[dict]()  # on a test item: why its scenario is not run, as report data
set_up_for_key = pytest.StashKey[str]()  # on a test item run as set-up (-k): the scenario that needs it
AS_SET_UP = "前提として実行"


def template_of(item):
    """pytest-bdd's scenario (as written: .name, .line_number, .feature.filename and
    .rel_filename) that a test item runs, else None."""
    return scenario_wrapper_template_registry.get(getattr(item, "function", None))


def scenario_of(item) -> tuple[str, str] | None:
    """(feature folder, scenario as written) of a pytest-bdd test item, else None."""
    template = template_of(item)
    if template is None:
        return None
    return Path(template.feature.filename).parent.name, template.name


def cucumber_data(report) -> dict | None:
    """The scenario of a test report as pytest-bdd's cucumber.json will write it (a dict that
    may be changed in place), else None."""
    context = test_report_context_registry.get(report)
    return None if context is None else context.scenario


def carry_cucumber_data(report) -> dict | None:
    """cucumber_data, also for a report from a pytest-xdist worker: pytest-bdd keeps the data
    per process, so it travels with the report and is put back where the reports arrive."""
    context = test_report_context_registry.get(report)
    if context is not None:  # on a worker: travel with the report
        report.bdd_scenario, report.bdd_name = context.scenario, context.name
    elif getattr(report, "bdd_scenario", None) is not None:  # arrived from a worker
        context = test_report_context_registry[report] = ReportContext(
            scenario=report.bdd_scenario, name=report.bdd_name
        )
    return None if context is None else context.scenario


def leave_out(item, outcome: str, why: str, **detail) -> None:
    """Skip a scenario before its first step; the report shows it with `outcome` (an id or word
    of oat.record.outcome: not_run 未実施, cannot 実施不可) and `detail` (oat.plugin.procedure turns
    this into report data)."""
    item.stash[left_out_key] = {"outcome": Outcome.of(outcome).value, **detail}
    pytest.skip(why)
