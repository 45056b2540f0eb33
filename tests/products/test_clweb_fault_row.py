"""The fault scenarios' row in the report (features/clweb/steps/faults.py): each measure with its
objective, as the scenario declared it; kept at the scenario's end when a step failed before
the invariants (a takeover over its objective); none for a fault the steady state kept out."""

from __future__ import annotations

import time
from functools import partial
from types import SimpleNamespace

from features.clweb.steps.faults import _recorded, _recorded_at_end
from features.clweb.steps.state import FaultRun
from oat.faults.objectives import Declared, Objectives
from oat.record.evidence import Masker, Recorder

PRODUCT = {
    "objectives": {
        "recovery_seconds": {"電源断": 15, "OS ストール": 15},
        "wait_factor": 3,
        "unavailable_seconds": 40,
        "two_actives_seconds": 0,
    }
}


def fault(recorder: Recorder, declared: Declared, **state) -> FaultRun:
    now = time.time()
    sampler = SimpleNamespace(samples=[1] * 20, seconds_with_two_actives=lambda: 0.0)
    client = SimpleNamespace(acknowledged=[1, 2, 3], samples=lambda: [(now, True), (now + 1, False), (now + 4, True)])
    made = FaultRun(
        name="s",
        sampler=sampler,
        client=client,
        hardware=None,
        steady=None,
        subject=None,
        recorder=recorder,
        objectives=partial(Objectives.of, PRODUCT, declared),
        started=now,
        kind="電源断",
        what="node1 の電源断",
        at=now,
    )
    for key, value in state.items():
        setattr(made, key, value)
    return made


def test_the_row_carries_each_objective_as_the_scenario_declared_it():
    recorder, declared = Recorder(Masker()), Declared()
    row = fault(recorder, declared, rto=12.5, timed=True)
    declared.recovery = 10.0  # declared after the checkers started: read when the row is made
    _recorded(row, row.objectives(), lost=[])
    [m] = recorder.measurements
    assert (m["kind"], m["label"], m["rto"], m["target"]) == ("fault", "node1 の電源断", 12.5, 10.0)
    assert (m["unavailable"], m["unavailable_target"], m["two_actives"], m["two_actives_target"], m["lost"]) == (
        3.0,
        40.0,
        0.0,
        0.0,
        0,
    )


def test_a_scenario_that_failed_before_its_invariants_still_has_its_row():
    recorder = Recorder(Masker())
    unrecovered = fault(recorder, Declared(), kind="OS ストール", unrecovered=45.0)
    _recorded_at_end(unrecovered)
    _recorded_at_end(unrecovered)  # once
    [m] = recorder.measurements
    assert (m["rto"], m["unrecovered"], m["target"], m["lost"], m["unmeasured"]) == (None, 45.0, 15.0, None, False)


def test_no_row_for_a_fault_never_injected_and_none_twice():
    recorder = Recorder(Masker())
    kept_out = fault(recorder, Declared(), at=None)  # the steady state did not hold: no fault came
    _recorded_at_end(kept_out)
    assert recorder.measurements == []
    done = fault(recorder, Declared(), rto=3.0, timed=True)
    _recorded(done, done.objectives(), lost=[])
    _recorded_at_end(done)
    assert len(recorder.measurements) == 1
