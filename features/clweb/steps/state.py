"""What the CL/Web procedure carries from step to step, typed: the API key issued in (4), the
guide's exec scripts, the API client of the rolling update, the browser page, the kill -9
awaiting its failover, and the fault being watched (障害試験)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from oat.errors import LabError

if TYPE_CHECKING:
    from oat.drivers.base import Hardware
    from oat.faults.availability import Probe
    from oat.faults.client import AppendClient
    from oat.faults.nemesis import Nemesis
    from oat.faults.objectives import Objectives
    from oat.faults.sampler import ActiveSampler
    from oat.faults.steady_state import SteadyState, Subject
    from oat.record.evidence import Recorder


@dataclass(eq=False)
class Kill:
    """A kill -9 of CL/Web's main process, until its failover is timed and its failure expires."""

    scenario: str  # the nodeid of the scenario that killed: its steady state is checked after recovery
    what: str
    at: float
    on: str  # the server it was killed on


@dataclass(eq=False)
class FaultRun:
    """One 障害試験 scenario's fault: its checkers, what was injected where and when, and the
    measurements that become its row in the report."""

    name: str  # the scenario's test name, until a fault is injected
    sampler: ActiveSampler
    client: AppendClient
    hardware: Hardware
    steady: SteadyState
    subject: Subject
    recorder: Recorder
    objectives: Callable[[], Objectives]  # as declared when read
    started: float = field(default_factory=time.time)
    down: tuple[str, ...] = ()  # servers the fault left powered off
    # the fault, once injected
    what: str | None = None
    kind: str | None = None  # its objective's name in objectives.recovery_seconds
    at: float | None = None
    # what was at stake: saves acknowledged by stake_node in the seconds before stake_at
    stake_at: float | None = None
    stake_node: str | None = None
    nemeses: list[Nemesis] = field(default_factory=list)  # the faults injected, in order
    timed: bool = False  # a takeover was timed (rto), or none was expected (rto None)
    rto: float | None = None
    unrecovered: float | None = None  # seconds waited for a takeover that never came
    row: dict | None = None  # the report's row, kept once

    def heal(self, node: str, kind: type[Nemesis] | tuple[type[Nemesis], ...]) -> None:
        """Undo the faults of these kinds on the node, the last injected first."""
        for nemesis in reversed(self.nemeses):
            if nemesis.node == node and isinstance(nemesis, kind):
                nemesis.heal()

    @property
    def label(self) -> str:
        """The fault as the report names it (the scenario, before one was injected)."""
        return self.what or self.name


@dataclass(eq=False)
class CLWebState:
    api_key: str | None = None
    exec_scripts: dict[str, str] = field(default_factory=dict)  # script name -> the guide's text
    probe: Probe | None = None  # the API client of the rolling update
    page: Any = None  # the browser page of 注意事項 (a session across a failover)
    kill: Kill | None = None
    fault: FaultRun | None = None

    def watched(self) -> FaultRun:
        """The fault being watched; none is a one-line error naming the step that is missing."""
        if self.fault is None:
            raise LabError("no fault is being watched: the background step that starts the checkers must come first")
        return self.fault

    def __repr__(self) -> str:
        # pytest prints a failing step's arguments: name what is carried, never its values
        # (the API key is a credential).
        carried = [f.name for f in fields(self) if getattr(self, f.name) not in (None, {}, [])]
        return f"<carried: {', '.join(carried)}>"
