"""Objectives that fail: a recovery slower than its 目標復旧時間, a scenario over its
unavailability budget, any time with two actives. Each miss is one line naming the fault, what
was measured and the objective, raised as an AssertionError (the product missed it: 不合格).

The values are product data (lab/products/NAME.yaml `objectives`), so a runbook's feature
folder declares its own.
"""
from __future__ import annotations

from dataclasses import dataclass

from oat.errors import LabError, ProductError


class ObjectiveMissed(AssertionError):
    """A measured value beyond its objective."""


@dataclass(frozen=True)
class Objectives:
    recovery_seconds: dict[str, float]
    wait_factor: float = 3.0
    unavailable_seconds: float | None = None
    two_actives_seconds: float = 0.0

    @classmethod
    def of(cls, product) -> Objectives:
        """The product data's `objectives` (a missing key is a one-line ProductError)."""
        try:
            data = product["objectives"]
        except (KeyError, LabError) as exc:
            raise ProductError(f"{exc}: the product declares no objectives (recovery_seconds per fault …)") from None
        return cls(recovery_seconds={str(k): float(v) for k, v in dict(data["recovery_seconds"]).items()},
                   wait_factor=float(data.get("wait_factor", 3.0)),
                   unavailable_seconds=(float(data["unavailable_seconds"])
                                        if data.get("unavailable_seconds") is not None else None),
                   two_actives_seconds=float(data.get("two_actives_seconds", 0.0)))

    def recovery(self, fault: str) -> float:
        if fault not in self.recovery_seconds:
            raise ProductError(f"objectives.recovery_seconds has no objective for '{fault}' "
                               f"(it has: {', '.join(self.recovery_seconds)})")
        return self.recovery_seconds[fault]

    def wait_for(self, fault: str) -> float:
        """How long a takeover is waited for: a multiple of its objective, never a fixed minute."""
        return self.recovery(fault) * self.wait_factor

    def check_recovery(self, fault: str, what: str, seconds: float) -> None:
        objective = self.recovery(fault)
        if seconds > objective:
            raise ObjectiveMissed(f"{what}: recovered in {seconds:.1f} s, over its objective of {objective:g} s "
                                  f"(目標復旧時間, {fault})")

    def check_unavailable(self, what: str, seconds: float) -> None:
        if self.unavailable_seconds is not None and seconds > self.unavailable_seconds:
            raise ObjectiveMissed(f"{what}: the service was unavailable for {seconds:.1f} s, over its budget of "
                                  f"{self.unavailable_seconds:g} s")

    def check_two_actives(self, what: str, seconds: float, detail: str = "") -> None:
        if seconds > self.two_actives_seconds:
            raise ObjectiveMissed(f"{what}: two actives for {seconds:.1f} s, over the limit of "
                                  f"{self.two_actives_seconds:g} s{': ' + detail if detail else ''}")
