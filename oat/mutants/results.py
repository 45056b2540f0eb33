"""What the runs decided of each mutant, kept in lab/mutants/result.json: one outcome per
mutant, with the suite's commit it was applied to and the digest of its patch. An outcome
holds for that commit and that patch: a later run at the same commit skips a mutant already
killed or survived with the same patch (a stopped run goes on where it left off), and the
report's 検出力 shows each mutant's last outcome while its patch is unchanged."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from oat.mutants.catalog import MUTANTS, Mutant

RESULT = MUTANTS / "result.json"
KILLED, SURVIVED, ERROR = "killed", "survived", "error"
DECIDED = (KILLED, SURVIVED)  # an error decides nothing: a later run tries again


@dataclass
class Outcome:
    name: str
    kind: str
    defect: str
    verdict: str  # killed | survived | error
    scenario: str = ""  # the first scenario that failed
    step: str = ""  # and its failed step
    cause: str = ""  # the step's one-line cause, or why the mutant could not be run
    seconds: float = 0.0
    version: str = ""  # the commit the mutant was applied to, short
    commit: str = ""  # and in full: what a resumed run compares
    patch: str = ""  # the digest of the patch it was decided on
    phase: str = ""  # the run that decided it: targeted (its refs' scenarios) or folder
    elsewhere: bool = False  # killed by a step that is no check of the documented steps it breaks

    @classmethod
    def of(cls, data: dict) -> Outcome:
        """An outcome as saved (an older file lacks the later fields)."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def saved(path: Path = RESULT) -> dict[str, Outcome]:
    """Each mutant's last outcome, by name."""
    return {o["name"]: Outcome.of(o) for o in (last_result(path) or {}).get("outcomes", [])}


def decided(outcome: Outcome | None, mutant: Mutant, commit: str) -> bool:
    """Does the saved outcome already decide the mutant at this commit, for its patch as it is?"""
    return (
        outcome is not None
        and outcome.verdict in DECIDED
        and outcome.commit == commit
        and outcome.patch == mutant.digest
    )


def current(outcome: Outcome | None, mutant: Mutant) -> Outcome | None:
    """The saved outcome if it was decided on the patch as it is now (an outcome saved before
    patches had digests is taken as it is)."""
    if outcome is None or (outcome.patch and outcome.patch != mutant.digest):
        return None
    return outcome


def record(outcome: Outcome, path: Path = RESULT, keep: set[str] | None = None) -> dict:
    """Save one mutant's outcome in place of its earlier one, at once (a stopped run keeps
    what it decided). `keep`: the mutants that exist; the others' outcomes are dropped."""
    with _locked(path):
        outcomes = saved(path)
        outcomes[outcome.name] = outcome
        if keep is not None:
            outcomes = {name: o for name, o in outcomes.items() if name in keep}
        ordered = sorted(outcomes.values(), key=lambda o: o.name)
        data = {
            **summary(ordered),
            "version": ", ".join(dict.fromkeys(o.version for o in ordered)),
            "finished": time.time(),
            "seconds": sum(o.seconds for o in ordered),
        }
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        partial.replace(path)
    return data


def summary(outcomes: list[Outcome]) -> dict:
    killed = sum(1 for o in outcomes if o.verdict == KILLED)
    return {"killed": killed, "total": len(outcomes), "outcomes": [asdict(o) for o in outcomes]}


def last_result(path: Path = RESULT) -> dict | None:
    """The saved result (for the report's cover), or None when there is none."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer at a time (two runs may share the file)."""
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
