"""Run history: every run's scenarios with their outcome and duration, kept beside its report.

Each run that writes a report appends one small file to `history/` next to report.html
(reports/history/ by default): when it ran, on which commit, its verdict, and each scenario's
outcome and seconds. The oldest files are removed past the cap (50 runs unless the project's
`oat_history` says otherwise).

From them, view() gives per scenario the last runs' outcomes and durations, and flags as
不安定 a scenario that both passed (合格) and did not (不合格, エラー or a waived failure) on
the same commit: the same code, two results. A run whose project is not a git repository has
no commit, and its results are never compared this way.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from oat.record.outcome import Outcome

DIRECTORY = "history"
CAP = 50  # runs kept
SHOWN = 10  # runs shown per scenario
FORMAT = 1
UNSTABLE = "不安定"
_NOT_PASSED = (Outcome.FAILED, Outcome.ERROR, Outcome.WAIVED)  # a waived failure failed all the same


class HistoryError(Exception):
    """A history directory that is not there or holds nothing readable: one line naming it."""


def commit_of(root: Path) -> str:
    """The commit the project's files are at: HEAD, plus a digest of the uncommitted changes
    to tracked files (two runs on different edits are not the same code). "" outside git."""
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0 or not head.stdout.strip():
            return ""
        diff = subprocess.run(
            ["git", "-C", str(root), "diff", "HEAD", "--no-ext-diff", "--binary"], capture_output=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    commit = head.stdout.strip()
    if diff.returncode == 0 and diff.stdout:
        commit += "+" + hashlib.sha1(diff.stdout).hexdigest()[:8]
    return commit


def record(*, run_id: str, started: float, ended: float, commit: str, verdict: str, results: list[dict]) -> dict:
    """The compact record of one run: its scenarios' outcomes and durations."""
    return {
        "format": FORMAT,
        "run_id": run_id,
        "started": started,
        "ended": ended,
        "commit": commit,
        "verdict": verdict,
        "scenarios": [
            {
                "folder": r["folder"],
                "scenario": r["scenario"],
                "label": r.get("name", r["label"]),
                "outcome": str(r["outcome"]),
                "duration": round(float(r.get("duration", 0.0)), 3),
            }
            for r in results
        ],
    }


def append(directory: Path, data: dict, cap: int = CAP) -> Path:
    """Write one run's record into `directory` and remove the oldest beyond `cap`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(data["started"]))
    name = f"{stamp}.{int(data['started'] * 1000) % 1000:03d}-{re.sub(r'[^A-Za-z0-9_-]', '', data['run_id']) or 'run'}"
    path = directory / f"{name}.json"
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)  # a reader never sees half a file
    for old in _files(directory)[:-cap] if cap > 0 else []:
        old.unlink(missing_ok=True)  # another run may have pruned it first
    return path


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.json") if p.is_file())


def load(directory: Path) -> list[dict]:
    """The runs recorded in `directory`, oldest first (files that are not records are skipped)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise HistoryError(
            f"{directory}: no run history here (every run of the features appends to "
            f"{DIRECTORY}/ beside its report.html)"
        )
    runs = []
    for path in _files(directory):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("scenarios"), list):
            runs.append(data)
    return sorted(runs, key=lambda r: r.get("started", 0.0))


@dataclass
class Run:
    """One run of one scenario."""

    started: float
    commit: str
    outcome: Outcome
    duration: float


@dataclass
class Line:
    """One scenario across the runs: the last ones, and the commits it was unstable on."""

    folder: str
    label: str
    runs: list[Run] = field(default_factory=list)
    unstable: list[str] = field(default_factory=list)  # the commits it both passed and failed on

    @property
    def key(self) -> tuple[str, str]:
        return self.folder, self.label


def view(runs: list[dict], shown: int = SHOWN, only: set[tuple[str, str]] | None = None) -> list[Line]:
    """Per scenario (folder, label as run), in the order first seen: its last `shown` runs,
    oldest first, and 不安定 judged over every run kept. `only`: these scenarios alone."""
    lines: dict[tuple[str, str], Line] = {}
    for run in runs:
        for s in run.get("scenarios", []):
            try:
                outcome = Outcome.of(s["outcome"])
                key = (str(s["folder"]), str(s["label"]))
            except (KeyError, ValueError):
                continue
            if only is not None and key not in only:
                continue
            line = lines.setdefault(key, Line(*key))
            line.runs.append(
                Run(float(run.get("started", 0.0)), str(run.get("commit", "")), outcome, float(s.get("duration", 0.0)))
            )
    for line in lines.values():
        by_commit: dict[str, set[Outcome]] = {}
        for r in line.runs:
            if r.commit:
                by_commit.setdefault(r.commit, set()).add(r.outcome)
        line.unstable = [c for c, found in by_commit.items() if Outcome.PASSED in found and found & set(_NOT_PASSED)]
        line.runs = line.runs[-shown:]
    return list(lines.values())


def unstable_text(line: Line) -> str:
    """`不安定 (commit abc: 合格 2、不合格 1)`: on which commits, with what."""
    parts = []
    for commit in line.unstable:
        found: dict[Outcome, int] = {}
        for r in line.runs:
            if r.commit == commit:
                found[r.outcome] = found.get(r.outcome, 0) + 1
        said = "、".join(f"{o.word} {n}" for o, n in found.items())
        parts.append(f"commit {commit}" + (f": {said}" if said else ""))
    return f"{UNSTABLE} ({'; '.join(parts)})"
