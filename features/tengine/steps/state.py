"""What the Tengine procedure carries from step to step, typed: each value is kept by the
step that makes it and read by the checks after it. Reading one that no earlier step kept
is a one-line error naming the step that must come first (a feature written in the wrong
order), never a KeyError."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

from oat.errors import FeatureError


class Ran(NamedTuple):
    """One command run on one server: its testinfra result and how long it took."""

    server: Any  # oat.servers.Server
    result: Any  # testinfra's CommandResult (rc, stdout, stderr)
    seconds: float = 0.0


@dataclass(eq=False)
class TengineState:
    jobnets: list[str] = field(default_factory=list)  # the definitions registered in the SCM
    test_since: str | None = None  # the DB server's clock before the last (job) test start
    test_results: list[Ran] = field(default_factory=list)  # each core's last (job) test start
    run: tuple[str, Ran] | None = None  # the last jobnet run: its name, and the run
    attempt: Ran | None = None  # the last install or start that was expected to fail
    fired: tuple[str, str] | None = None  # the last event fired: its name and key
    resources: Ran | None = None  # the platform's answer about its free resources
    support_reports: dict[str, dict[str, str]] = field(default_factory=dict)  # server -> file -> text

    def needs(self, name: str, step: str) -> Any:
        """The value a check reads; missing, the step that keeps it is named."""
        value = getattr(self, name)
        if value in (None, [], {}):
            raise FeatureError(f"nothing to check: the step 「{step}」 must come before this one")
        return value

    def __repr__(self) -> str:
        # pytest prints a failing step's arguments: name what is carried, not its values.
        carried = [f.name for f in fields(self) if getattr(self, f.name) not in (None, [], {})]
        return f"<carried: {', '.join(carried)}>"
