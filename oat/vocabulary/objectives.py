"""Objectives a runbook declares in its own words, over its product data's
(lab/products/NAME.yaml `objectives`, oat/faults/objectives.py):

    前提 目標復旧時間は 5 秒とする                 every fault's 目標復旧時間
    前提 "kill -9" の目標復旧時間は 5 秒とする      one fault's (it wins over the line above)
    前提 停止時間の上限は 40 秒とする               the clients' unavailability budget

A declaration holds for the rest of its scenario (put it in the 背景 for every scenario of a
feature), never for the next one: a scenario selected alone (-k) must be judged as in the
whole run. The steps that measure a fault read `Objectives.of(product, declared_objectives)`.
"""

from __future__ import annotations

import parse
import pytest
from pytest_bdd import given

from oat.errors import FeatureError
from oat.faults.objectives import Declared
from oat.vocabulary.checks import sentence


@parse.with_pattern(r"\d+(?:\.\d+)?")
def _seconds(text: str) -> float:
    """{x:Seconds}: a number of seconds, whole or decimal (5, 2.5)."""
    return float(text)


SECONDS = {"Seconds": _seconds}


@pytest.fixture
def declared_objectives() -> Declared:
    """The objectives this scenario's 前提 sentences declared (none until one does)."""
    return Declared()


def _positive(seconds: float, what: str) -> float:
    if seconds <= 0:
        raise FeatureError(f"{what}は {seconds:g} 秒: an objective to recover in must be more than 0 s")
    return seconds


@given(sentence("目標復旧時間は {seconds:Seconds} 秒とする", SECONDS))
def recovery_objective(declared_objectives, seconds):
    """Every fault of this scenario has this 目標復旧時間, over the product data's (objectives.recovery_seconds)."""
    declared_objectives.recovery = _positive(seconds, "目標復旧時間")


@given(sentence('"{fault:q}" の目標復旧時間は {seconds:Seconds} 秒とする', SECONDS))
def fault_recovery_objective(declared_objectives, fault, seconds):
    """This fault (a name of objectives.recovery_seconds) has this 目標復旧時間 in this scenario, whatever else is declared."""
    declared_objectives.recovery_of[fault] = _positive(seconds, f'"{fault}" の目標復旧時間')


@given(sentence("停止時間の上限は {seconds:Seconds} 秒とする", SECONDS))
def unavailability_budget(declared_objectives, seconds):
    """The clients' unavailability budget (目標: seconds of failed calls) in this scenario, over the product data's (objectives.unavailable_seconds)."""
    declared_objectives.unavailable = seconds
