"""oat.record.outcome: the six outcomes with their words, and the one verdict function."""

from __future__ import annotations

import signal

import pytest

from oat.errors import FeatureError, LabError, NothingAtStake, ProductError
from oat.record.outcome import Outcome, Verdict, counts, counts_line, interruption, judge, of_exception, verdict_of
from oat.servers import CommandFailed
from oat.wait import WaitTimeout


def test_six_outcomes_each_with_its_word_and_id():
    assert [(o.value, o.word) for o in Outcome] == [
        ("passed", "合格"),
        ("failed", "不合格"),
        ("error", "エラー"),
        ("cannot", "実施不可"),
        ("waived", "免除"),
        ("not_run", "未実施"),
    ]
    assert {Outcome.of(o.word) for o in Outcome} == set(Outcome) == {Outcome.of(o.value) for o in Outcome}
    assert f"{Outcome.FAILED}" == "failed"  # the record keeps the id
    with pytest.raises(ValueError):
        Outcome.of("成功")


@pytest.mark.parametrize(
    "error, outcome",
    [
        (None, Outcome.PASSED),
        (AssertionError("db is not running"), Outcome.FAILED),
        (CommandFailed("exit 1"), Outcome.FAILED),
        (LabError("server 'db' does not answer"), Outcome.ERROR),
        (WaitTimeout("not up (waited 60 s)"), Outcome.ERROR),
        (FeatureError("step text"), Outcome.ERROR),
        (ProductError("no fact"), Outcome.ERROR),
        (NothingAtStake("nothing at stake: 0 saves"), Outcome.ERROR),
        (KeyError("x"), Outcome.ERROR),
    ],
)
def test_a_failed_check_is_fail_anything_else_is_error(error, outcome):
    assert of_exception(error) is outcome


def test_counts_name_every_outcome_in_order():
    assert counts(["passed", "passed", "waived", "不合格"]) == {
        "合格": 2,
        "不合格": 1,
        "エラー": 0,
        "実施不可": 0,
        "免除": 1,
        "未実施": 0,
    }
    assert counts_line(counts(["passed"])) == "合格 1 ・ 不合格 0 ・ エラー 0 ・ 実施不可 0 ・ 免除 0 ・ 未実施 0"


@pytest.mark.parametrize(
    "outcomes, extra, verdict",
    [
        ([("a", "passed"), ("b", "cannot"), ("c", "waived")], {}, Verdict.PASSED),
        ([("a", "passed"), ("b", "failed"), ("c", "error")], {}, Verdict.FAILED),
        ([("a", "passed"), ("c", "error")], {}, Verdict.ERROR),
        ([("a", "passed"), ("c", "not_run")], {}, Verdict.ERROR),
        ([], {}, Verdict.ERROR),
        ([("a", "passed")], {"errors": ["後処理でエラー: a"]}, Verdict.ERROR),
        ([("a", "passed")], {"failures": ["シャード x の判定: 不合格"]}, Verdict.FAILED),
        ([("a", "passed"), ("b", "failed")], {"interrupted": ["中断: SIGINT (…)"]}, Verdict.INTERRUPTED),
    ],
)
def test_the_verdict_rules(outcomes, extra, verdict):
    judged = judge(outcomes, **extra)
    assert judged.verdict is verdict and judged.passed == (verdict is Verdict.PASSED)


def test_the_reasons_name_what_failed():
    judged = judge([("a", "passed"), ("b", "failed"), ("c", "not_run")], interrupted=["中断: SIGTERM"])
    assert judged.reasons == ("中断: SIGTERM", "不合格 1 件: b", "未実施 1 件: c")
    assert judge([]).reasons == ("実行したシナリオがありません",)


def test_an_interruption_names_its_signal():
    assert interruption(KeyboardInterrupt(), 1.0) == {"signal": "SIGINT", "at": 1.0}
    assert interruption(KeyboardInterrupt(f"signal {int(signal.SIGTERM)}"), 2.0) == {"signal": "SIGTERM", "at": 2.0}
    assert interruption(RuntimeError("x"), 1.0) is None


def test_a_cover_s_verdict_also_from_before_four_verdicts():
    assert verdict_of({"verdict": "interrupted", "passed": False}) is Verdict.INTERRUPTED
    assert verdict_of({"passed": True}) is Verdict.PASSED and verdict_of({"passed": False}) is Verdict.FAILED
    assert [v.word for v in Verdict] == ["合格", "不合格", "エラー", "中断"]
