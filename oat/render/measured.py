"""Measured against objective: what the report's 測定結果 and the 試験成績書 both say of a
fault (kind `fault`) or a failover's RTO (kind `rto`), from the run record's plain data.

A fault's measurement (features/clweb/steps/faults.py) holds `rto` (None: no failover, as the
fault expects; with `unmeasured`: the scenario ended before; `unrecovered`: the seconds waited
in vain), its objective `target`, `unavailable` against `unavailable_target`, `two_actives`
against `two_actives_target` (0 when a record predates it), and `lost` of `acknowledged`
(None: not read back). Each becomes one Against: the measured value, the objective and whether
it was met (None: no objective, or nothing measured).
"""

from __future__ import annotations

from dataclasses import dataclass

MET, MISSED = "達成", "未達"
RECOVERY = "復旧時間 (RTO)"


@dataclass(frozen=True)
class Against:
    what: str
    measured: str
    objective: str  # "" when there is none
    met: bool | None

    @property
    def verdict(self) -> str:
        return {True: MET, False: MISSED, None: ""}[self.met]


def _within(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds:g} 秒以内"


def _judged(value: float, limit: float | None) -> bool | None:
    return None if limit is None else value <= limit


def recovery(m: dict) -> Against:
    """The recovery time of a fault or of a failover against its 目標復旧時間."""
    target = m.get("target")
    if m.get("unrecovered") is not None:
        return Against(RECOVERY, f"{m['unrecovered']:g} 秒以内に回復せず", _within(target), False)
    rto = m["value"] if m.get("kind") == "rto" else m.get("rto")
    if rto is None:
        return Against(RECOVERY, "未測定" if m.get("unmeasured") else "系切替なし", _within(target), None)
    return Against(RECOVERY, f"{rto:.2f} 秒", _within(target), _judged(rto, target))


@dataclass(frozen=True)
class Fault:
    recovery: Against
    unavailable: Against | None  # None: a record from before unavailability was kept
    two_actives: Against
    lost: Against

    def all(self) -> list[Against]:
        return [a for a in (self.recovery, self.unavailable, self.two_actives, self.lost) if a is not None]


def fault(m: dict) -> Fault:
    """A fault's recovery, unavailability, time with two actives and acknowledged saves lost."""
    unavailable = None
    if m.get("unavailable") is not None:
        unavailable = Against(
            "停止時間",
            f"{m['unavailable']:.1f} 秒",
            _within(m.get("unavailable_target")),
            _judged(m["unavailable"], m.get("unavailable_target")),
        )
    limit = m.get("two_actives_target", 0.0)
    lost = m.get("lost")
    return Fault(
        recovery(m),
        unavailable,
        Against("両系同時稼働", f"{m['two_actives']:.1f} 秒", f"{limit:g} 秒", m["two_actives"] <= limit),
        Against(
            "保存データの消失", "未確認" if lost is None else f"{lost} 件", "0 件", None if lost is None else lost == 0
        ),
    )
