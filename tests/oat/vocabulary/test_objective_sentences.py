"""A runbook declares its own objectives (oat/vocabulary/objectives.py): they hold over the
product data's for the rest of their scenario, and the next scenario has the product's again."""

from __future__ import annotations

from pathlib import Path

import pytest

from oat.errors import FeatureError, ProductError
from oat.faults.objectives import Declared, Objectives
from oat.vocabulary.checks import sentence
from oat.vocabulary.objectives import SECONDS

ROOT = Path(__file__).resolve().parents[3]
DATA = {"objectives": {"recovery_seconds": {"電源断": 15, "kill -9": 10}, "unavailable_seconds": 40}}


class Product(dict):
    path = Path("lab/products/p.yaml")


def test_every_fault_then_one_fault_and_the_budget_override_the_product_data():
    declared = Declared(recovery=5.0, recovery_of={"kill -9": 2.5}, unavailable=12.0)
    objectives = Objectives.of(Product(DATA), declared)
    assert (objectives.recovery("電源断"), objectives.recovery("kill -9")) == (5.0, 2.5)
    assert objectives.unavailable_seconds == 12.0
    assert Objectives.of(Product(DATA), Declared()).recovery("電源断") == 15.0  # nothing declared: the product's


def test_a_runbook_without_objectives_in_its_product_data_may_declare_them_all():
    objectives = Objectives.of(Product({}), Declared(recovery=5.0))
    assert objectives.recovery("whatever fault") == 5.0 and objectives.unavailable_seconds is None
    with pytest.raises(ProductError, match="declares no objectives .* and the scenario declares none"):
        Objectives.of(Product({}), Declared())


def test_a_declared_fault_the_product_data_does_not_name_is_a_feature_error_naming_the_file():
    with pytest.raises(FeatureError) as wrong:
        Objectives.of(Product(DATA), Declared(recovery_of={"kill -15": 3.0}))
    assert str(wrong.value) == (
        '"kill -15" の目標復旧時間: no fault of that name in objectives.recovery_seconds of '
        "lab/products/p.yaml (it has: 電源断, kill -9)"
    )


@pytest.mark.parametrize(
    ("pattern", "text", "fields"),
    [
        ("目標復旧時間は {seconds:Seconds} 秒とする", "目標復旧時間は 5 秒とする", {"seconds": 5.0}),
        ("目標復旧時間は {seconds:Seconds} 秒とする", "目標復旧時間は 2.5 秒とする", {"seconds": 2.5}),
        (
            '"{fault:q}" の目標復旧時間は {seconds:Seconds} 秒とする',
            '"kill -9" の目標復旧時間は 5 秒とする',
            {"fault": "kill -9", "seconds": 5.0},
        ),
        ("停止時間の上限は {seconds:Seconds} 秒とする", "停止時間の上限は 40 秒とする", {"seconds": 40.0}),
        ("目標復旧時間は {seconds:Seconds} 秒とする", '"kill -9" の目標復旧時間は 5 秒とする', None),
        ("目標復旧時間は {seconds:Seconds} 秒とする", "目標復旧時間は -5 秒とする", None),
    ],
)
def test_the_sentences_read_their_numbers(pattern, text, fields):
    parser = sentence(pattern, SECONDS)
    assert (parser.parse_arguments(text) if parser.is_matching(text) else None) == fields


CONFTEST = """
import pytest

pytest_plugins = ["oat.vocabulary.objectives"]


@pytest.fixture
def product():
    return {"objectives": {"recovery_seconds": {"電源断": 15, "kill -9": 10}, "unavailable_seconds": 40}}
"""

FEATURE = """# language: ja
機能: 目標
  背景:
    前提 停止時間の上限は 30 秒とする

  シナリオ: 手順書の目標
    前提 "kill -9" の目標復旧時間は 3 秒とする
    かつ 目標復旧時間は 5 秒とする
    ならば 目標は "電源断 5 kill -9 3 停止 30" である

  シナリオ: 次のシナリオは製品の目標
    ならば 目標は "電源断 15 kill -9 10 停止 30" である

  シナリオ: 0 秒では復旧できない
    前提 目標復旧時間は 0 秒とする
"""

TEST = """
from pytest_bdd import parsers, scenarios, then

from oat.faults.objectives import Objectives

scenarios("objectives.feature")


@then(parsers.parse('目標は "{expected}" である'))
def objectives_are(product, declared_objectives, expected):
    o = Objectives.of(product, declared_objectives)
    seen = f"電源断 {o.recovery('電源断'):g} kill -9 {o.recovery('kill -9'):g} 停止 {o.unavailable_seconds:g}"
    assert seen == expected, seen
"""


def test_a_feature_declares_objectives_for_its_scenario_only(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".feature", objectives=FEATURE)
    pytester.makepyfile(test_objectives=TEST)
    result = pytester.runpytest_subprocess("-p", "no:oat", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*FeatureError: 目標復旧時間は 0 秒: an objective to recover in must be more than 0 s"]
    )
