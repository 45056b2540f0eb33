"""What pytest-bdd knows of a test item, for the plugins that look at scenarios."""
from __future__ import annotations

from pathlib import Path

import pytest
from pytest_bdd.scenario import scenario_wrapper_template_registry

from oat.record.outcome import Outcome

left_out_key = pytest.StashKey[dict]()  # on a test item: why its scenario is not run, as report data
set_up_for_key = pytest.StashKey[str]()  # on a test item run as set-up (-k): the scenario that needs it
AS_SET_UP = "前提として実行"


def scenario_of(item) -> tuple[str, str] | None:
    """(feature folder, scenario as written) of a pytest-bdd test item, else None."""
    template = scenario_wrapper_template_registry.get(getattr(item, "function", None))
    if template is None:
        return None
    return Path(template.feature.filename).parent.name, template.name


def leave_out(item, outcome: str, why: str, **detail) -> None:
    """Skip a scenario before its first step; the report shows it with `outcome` (an id or word
    of oat.record.outcome: not_run 未実施, cannot 実施不可) and `detail` (oat.plugin.procedure turns
    this into report data)."""
    item.stash[left_out_key] = {"outcome": Outcome.of(outcome).value, **detail}
    pytest.skip(why)
