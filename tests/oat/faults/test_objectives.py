"""Objectives fail when missed: a recovery over its 目標復旧時間, unavailability over its budget,
any time with two actives; each with one line naming the fault, the measure and the objective."""

from __future__ import annotations

import pytest

from oat.errors import ProductError
from oat.faults.availability import Sample, unavailable_seconds
from oat.faults.objectives import ObjectiveMissed, Objectives

DATA = {
    "objectives": {
        "recovery_seconds": {"電源断": 15, "kill -9": 10},
        "wait_factor": 3,
        "unavailable_seconds": 40,
        "two_actives_seconds": 0,
    }
}


class Product(dict):
    def __getitem__(self, key):
        return dict.__getitem__(self, key)


def test_a_recovery_within_its_objective_passes_and_one_over_it_fails_in_one_line():
    objectives = Objectives.of(Product(DATA))
    objectives.check_recovery("電源断", "node1 の電源断", 14.9)
    with pytest.raises(ObjectiveMissed) as missed:
        objectives.check_recovery("電源断", "node1 の電源断", 30.2)
    assert str(missed.value) == "node1 の電源断: recovered in 30.2 s, over its objective of 15 s (目標復旧時間, 電源断)"
    assert isinstance(missed.value, AssertionError)  # the product missed it: 不合格, not an error


def test_the_takeover_is_waited_for_a_multiple_of_its_objective():
    assert Objectives.of(Product(DATA)).wait_for("kill -9") == 30


def test_unavailability_over_budget_and_any_two_actives_fail():
    objectives = Objectives.of(Product(DATA))
    samples = [Sample(0.0, True, ""), Sample(1.0, False, ""), Sample(45.0, False, ""), Sample(46.0, True, "")]
    assert unavailable_seconds(samples) == 45.0
    with pytest.raises(ObjectiveMissed, match=r"^f: the service was unavailable for 45.0 s, over its budget of 40 s$"):
        objectives.check_unavailable("f", unavailable_seconds(samples))
    objectives.check_two_actives("f", 0.0)
    with pytest.raises(ObjectiveMissed, match=r"^f: two actives for 0.3 s, over the limit of 0 s: node1\+node2$"):
        objectives.check_two_actives("f", 0.3, "node1+node2")


def test_a_fault_without_an_objective_is_a_product_data_error():
    with pytest.raises(ProductError, match="no objective for '全 LAN 断' .it has: 電源断, kill -9."):
        Objectives.of(Product(DATA)).recovery("全 LAN 断")
