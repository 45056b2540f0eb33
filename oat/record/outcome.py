"""The words of a result, one vocabulary for every output, and the run's verdict.

Each scenario, Gherkin step and documented step ends in one Outcome. The record
(oat-run.json, the history) keeps its id (`passed`…), and every output shows its word:

    合格      passed     every check held
    不合格    failed     the product failed a check (an AssertionError: oat's checks, `assert`,
                         a documented command that exited non-zero)
    エラー    error      nothing could be checked: anything else raised (a LabError,
                         InventoryError, FeatureError, ProductError, NothingAtStake, a bounded
                         wait that ran out (WaitTimeout, a LabError), a bug in a step), or the
                         test's set-up failed before its first step
    実施不可  cannot     not applicable here, with the reason (a pytest skip is one too)
    免除      waived     it failed (不合格 or エラー), and a waiver in force accepts that
    未実施    not_run    selected but not run (blocked by an earlier failure of its lab)

The verdict of a run (judge) is computed here only, for a run and for merged shards alike:

    中断      the run was interrupted (Ctrl-C, SIGTERM): whatever ran, with the signal and time
    不合格    else, anything is 不合格
    エラー    else, anything is エラー or 未実施, the run stopped on an error, or nothing ran
    合格      else: every scenario is 合格, 実施不可 or 免除
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    CANNOT = "cannot"
    WAIVED = "waived"
    NOT_RUN = "not_run"

    @property
    def word(self) -> str:
        return _WORDS[self]

    @property
    def symbol(self) -> str:
        """One character for a strip of runs (the history)."""
        return _SYMBOLS[self]

    @property
    def failing(self) -> bool:
        """It failed: the product (不合格) or the environment (エラー)."""
        return self in (Outcome.FAILED, Outcome.ERROR)

    @classmethod
    def of(cls, value: str) -> Outcome:
        """An Outcome from its id or its word."""
        if value in _BY_WORD:
            return _BY_WORD[value]
        return cls(value)


_WORDS = {
    Outcome.PASSED: "合格",
    Outcome.FAILED: "不合格",
    Outcome.ERROR: "エラー",
    Outcome.CANNOT: "実施不可",
    Outcome.WAIVED: "免除",
    Outcome.NOT_RUN: "未実施",
}
_SYMBOLS = {
    Outcome.PASSED: "○",
    Outcome.FAILED: "×",
    Outcome.ERROR: "!",
    Outcome.CANNOT: "−",
    Outcome.WAIVED: "△",
    Outcome.NOT_RUN: "・",
}
_BY_WORD = {word: outcome for outcome, word in _WORDS.items()}


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    INTERRUPTED = "interrupted"

    @property
    def word(self) -> str:
        return {"passed": "合格", "failed": "不合格", "error": "エラー", "interrupted": "中断"}[self.value]


def of_exception(error: BaseException | None) -> Outcome:
    """What a step or a scenario that raised `error` (None: nothing) ended in."""
    if error is None:
        return Outcome.PASSED
    return Outcome.FAILED if isinstance(error, AssertionError) else Outcome.ERROR


def counts(outcomes: Iterable[str]) -> dict[str, int]:
    """Every outcome's word with how many of `outcomes` (ids or words) are it, in the order above."""
    found = dict.fromkeys(Outcome, 0)
    for outcome in outcomes:
        found[Outcome.of(outcome)] += 1
    return {outcome.word: n for outcome, n in found.items()}


def counts_line(counted: Mapping[str, int]) -> str:
    """`合格 3 ・ 不合格 1 ・ …`: the counts as the console, the cover and the merge print them."""
    return " ・ ".join(f"{name} {n}" for name, n in counted.items()) or "実行したシナリオなし"


def interruption(error: BaseException, at: float) -> dict | None:
    """The signal that interrupted the run (Ctrl-C raises KeyboardInterrupt, oat's SIGTERM
    handler a KeyboardInterrupt saying `signal 15`), as plain data; None for another stop."""
    if not isinstance(error, KeyboardInterrupt):
        return None
    number = re.search(r"signal (\d+)", str(error))
    try:
        name = signal.Signals(int(number.group(1))).name if number else "SIGINT"
    except ValueError:
        name = f"signal {number.group(1)}"
    return {"signal": name, "at": at}


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reasons: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASSED


def judge(
    outcomes: Sequence[tuple[str, str]],
    *,
    interrupted: Sequence[str] = (),
    failures: Sequence[str] = (),
    errors: Sequence[str] = (),
) -> Judgement:
    """The verdict (rules in this module's doc) and why, in Japanese lines.

    outcomes: (label, outcome id or word) of every scenario (or test) the run counted;
    interrupted: one line per interruption (signal and time); failures: what else fails the
    run as 不合格; errors: what else makes it エラー (a teardown that failed, a run stopped on
    an error, a shard that did not end normally, documented steps nobody carried out)."""
    by: dict[Outcome, list[str]] = {outcome: [] for outcome in Outcome}
    for label, outcome in outcomes:
        by[Outcome.of(outcome)].append(label)
    reasons = [*interrupted, *failures]
    for outcome in (Outcome.FAILED, Outcome.ERROR, Outcome.NOT_RUN):
        if by[outcome]:
            shown = "、".join(by[outcome][:5]) + (" …" if len(by[outcome]) > 5 else "")
            reasons.append(f"{outcome.word} {len(by[outcome])} 件: {shown}")
    reasons.extend(errors)
    if not outcomes:
        reasons.append("実行したシナリオがありません")
    if interrupted:
        verdict = Verdict.INTERRUPTED
    elif failures or by[Outcome.FAILED]:
        verdict = Verdict.FAILED
    elif errors or by[Outcome.ERROR] or by[Outcome.NOT_RUN] or not outcomes:
        verdict = Verdict.ERROR
    else:
        verdict = Verdict.PASSED
    return Judgement(verdict, tuple(reasons))


def verdict_of(cover: Mapping) -> Verdict:
    """A cover's verdict (a cover from before verdicts had four words says only passed or not)."""
    if cover.get("verdict") in set(Verdict):
        return Verdict(cover["verdict"])
    return Verdict.PASSED if cover.get("passed") else Verdict.FAILED
