"""What every benchmark needs: a lab built by the real scenarios and kept (--keep-lab),
commands run in its containers, and the lab removed at the end whatever happens."""
from __future__ import annotations

import statistics
import subprocess
import time
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oat import lab as labmod  # noqa: E402

OUT = ROOT / ".oat" / "bench"


def sh(client, container: str, command: str) -> str:
    result = client.containers.get(container).exec_run(["sh", "-c", command])
    if result.exit_code != 0:
        raise RuntimeError(f"{container}: `{command}` exited {result.exit_code}: {result.output.decode()[-300:]}")
    return result.output.decode()


def build(features: str, selection: str, what: str) -> str:
    """Run the selected scenarios with --keep-lab; return the kept lab's run id."""
    before = set(labmod.runs(labmod.connect()))
    OUT.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [str(ROOT / ".venv/bin/pytest"), features, "-k", selection, "--keep-lab", "-q",
         f"--html={OUT / 'report.html'}", f"--junitxml={OUT / 'junit.xml'}", f"--cucumberjson={OUT / 'cucumber.json'}"],
        cwd=ROOT)
    new = set(labmod.runs(labmod.connect())) - before
    if done.returncode != 0 or len(new) != 1:
        for run_id in new:
            labmod.remove_run(labmod.connect(), run_id)
        sys.exit(f"bench: building {what} failed (pytest exit {done.returncode})")
    return new.pop()


def remove(run_id: str) -> None:
    problems = labmod.remove_run(labmod.connect(), run_id)
    (ROOT / ".oat" / "ca" / f"{run_id}.pem").unlink(missing_ok=True)
    print(f"lab {run_id} removed" + (f" (problems: {problems})" if problems else ""))


def describe(values: list[float], what: str, target: str) -> str:
    values = sorted(values)
    p95 = values[max(0, int(round(0.95 * len(values))) - 1)]
    return (f"{what} over {len(values)} runs: median {statistics.median(values):.2f} s, p95 {p95:.2f} s, "
            f"min {values[0]:.2f} s, max {values[-1]:.2f} s (target: {target})")


def time_command(client, container: str, command: str, rounds: int, succeeded: str, what: str) -> list[float]:
    """Run one command N times in a container; its time each round, as the operator waits."""
    samples = []
    for i in range(rounds):
        started = time.monotonic()
        out = sh(client, container, command)
        took = time.monotonic() - started
        if succeeded not in out:
            raise RuntimeError(f"{what} {i + 1} did not succeed: {out.strip()}")
        samples.append(took)
        print(f"{what} {i + 1:2d}: {took:.2f} s", flush=True)
    return samples
