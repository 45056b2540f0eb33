"""Objectives that fail: a recovery slower than its 目標復旧時間, a scenario over its
unavailability budget, any time with two actives. Each miss is one line naming the fault, what
was measured and the objective, raised as an AssertionError (the product missed it: 不合格).

The values are product data (lab/products/NAME.yaml `objectives`), so a runbook's feature
folder declares its own; a scenario may override them with 汎用 前提 sentences
(oat/vocabulary/objectives.py: `目標復旧時間は 5 秒とする`), collected in a Declared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oat.errors import FeatureError, LabError, ProductError


class ObjectiveMissed(AssertionError):
    """A measured value beyond its objective."""


@dataclass
class Declared:
    """What a scenario's 前提 sentences declared, over the product data's objectives for the
    rest of that scenario: a 目標復旧時間 for every fault, one for a named fault (it wins over
    the former, whatever their order), an unavailability budget."""

    recovery: float | None = None
    recovery_of: dict[str, float] = field(default_factory=dict)
    unavailable: float | None = None

    def __bool__(self) -> bool:
        return self.recovery is not None or bool(self.recovery_of) or self.unavailable is not None


@dataclass(frozen=True)
class Objectives:
    recovery_seconds: dict[str, float]
    wait_factor: float = 3.0
    unavailable_seconds: float | None = None
    two_actives_seconds: float = 0.0
    recovery_default: float | None = None  # declared for every fault, those the product data does not name too

    @classmethod
    def of(cls, product, declared: Declared | None = None) -> Objectives:
        """The product data's `objectives` with what the scenario declared over them (a
        missing key is a one-line ProductError; a declared fault the product does not name is a
        FeatureError)."""
        declared = declared or Declared()
        try:
            data = product["objectives"]
        except (KeyError, LabError) as exc:
            if not declared:
                raise ProductError(
                    f"{exc}: the product declares no objectives (recovery_seconds per fault …), "
                    "and the scenario declares none (前提 目標復旧時間は N 秒とする)"
                ) from None
            data = {}
        recovery = {str(k): float(v) for k, v in dict(data.get("recovery_seconds") or {}).items()}
        unknown = [fault for fault in declared.recovery_of if recovery and fault not in recovery]
        if unknown:
            raise FeatureError(
                f'"{unknown[0]}" の目標復旧時間: no fault of that name in objectives.recovery_seconds of '
                f"{getattr(product, 'path', 'the product data')} (it has: {', '.join(recovery)})"
            )
        if declared.recovery is not None:
            recovery = dict.fromkeys(recovery, declared.recovery)
        recovery.update(declared.recovery_of)
        budget = declared.unavailable if declared.unavailable is not None else data.get("unavailable_seconds")
        return cls(
            recovery_seconds=recovery,
            wait_factor=float(data.get("wait_factor", 3.0)),
            unavailable_seconds=float(budget) if budget is not None else None,
            two_actives_seconds=float(data.get("two_actives_seconds", 0.0)),
            recovery_default=declared.recovery,
        )

    def recovery(self, fault: str) -> float:
        if fault in self.recovery_seconds:
            return self.recovery_seconds[fault]
        if self.recovery_default is not None:
            return self.recovery_default
        raise ProductError(
            f"objectives.recovery_seconds has no objective for '{fault}' (it has: {', '.join(self.recovery_seconds)})"
        )

    def wait_for(self, fault: str) -> float:
        """How long a takeover is waited for: a multiple of its objective, never a fixed minute."""
        return self.recovery(fault) * self.wait_factor

    def not_recovered(self, fault: str, what: str, waited: str, cause: BaseException) -> ObjectiveMissed:
        """The miss when not even `wait_for(fault)` saw the recovery (`waited`: what was waited
        for, `cause`: the wait's error), to raise from the wait."""
        return ObjectiveMissed(
            f"{what}: no {waited} within {self.wait_for(fault):g} s, {self.wait_factor:g} × its "
            f"objective of {self.recovery(fault):g} s (目標復旧時間): {cause}"
        )

    def check_recovery(self, fault: str, what: str, seconds: float) -> None:
        objective = self.recovery(fault)
        if seconds > objective:
            raise ObjectiveMissed(
                f"{what}: recovered in {seconds:.1f} s, over its objective of {objective:g} s (目標復旧時間, {fault})"
            )

    def check_unavailable(self, what: str, seconds: float) -> None:
        if self.unavailable_seconds is not None and seconds > self.unavailable_seconds:
            raise ObjectiveMissed(
                f"{what}: the service was unavailable for {seconds:.1f} s, over its budget of "
                f"{self.unavailable_seconds:g} s"
            )

    def check_two_actives(self, what: str, seconds: float, detail: str = "") -> None:
        if seconds > self.two_actives_seconds:
            raise ObjectiveMissed(
                f"{what}: two actives for {seconds:.1f} s, over the limit of "
                f"{self.two_actives_seconds:g} s{': ' + detail if detail else ''}"
            )
