"""A pytest plugin for bench/faults.py and bench/flakes.py: every scenario of the fault feature
runs N times in a row (a parameter, as pytest-repeat does), and the faults' measurements are
written out. `run_rounds` is how both benchmarks run the clweb folder with it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

FEATURE = "05_faults.feature"


def run_rounds(root: Path, rounds: int, measurements: Path, reports: list[str]) -> int:
    """The clweb folder with every fault scenario `rounds` times; the faults' measurements go
    to `measurements`, the reports where `reports` (pytest options) say. pytest's exit code."""
    measurements.unlink(missing_ok=True)
    env = {
        **os.environ,
        "OAT_FAULT_ROUNDS": str(rounds),
        "OAT_FAULT_OUT": str(measurements),
        "PYTHONPATH": f"{root / 'bench'}:{os.environ.get('PYTHONPATH', '')}",
    }
    command = [str(root / ".venv/bin/pytest"), "features/clweb", "-p", "fault_rounds", "-q", "-p", "no:cacheprovider"]
    return subprocess.run([*command, *reports], cwd=root, env=env).returncode


def pytest_generate_tests(metafunc):
    rounds = int(os.environ.get("OAT_FAULT_ROUNDS", "1"))
    if metafunc.definition.path.name == FEATURE and rounds > 1:
        metafunc.fixturenames.append("fault_round")
        metafunc.parametrize("fault_round", range(1, rounds + 1), ids=lambda n: f"{n}回目")


def pytest_sessionfinish(session):
    from oat.plugin.lab import recorder_key

    out = os.environ.get("OAT_FAULT_OUT")
    recorder = session.config.stash.get(recorder_key, None)
    if out and recorder is not None:
        faults = [
            {k: m.get(k) for k in ("label", "rto", "target", "two_actives", "acknowledged", "lost")}
            for m in recorder.measurements
            if m["kind"] == "fault"
        ]
        Path(out).write_text(json.dumps(faults, ensure_ascii=False, indent=1), encoding="utf-8")
