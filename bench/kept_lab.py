"""What every benchmark needs: a lab built by the real scenarios and kept (--keep-lab),
commands run in its containers, and the lab removed at the end whatever happens."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import docker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oat.drivers.docker import lab as labmod  # noqa: E402

OUT = ROOT / ".oat" / "bench"


def sh(client, container: str, command: str) -> str:
    result = client.containers.get(container).exec_run(["sh", "-c", command])
    if result.exit_code != 0:
        raise RuntimeError(f"{container}: `{command}` exited {result.exit_code}: {result.output.decode()[-300:]}")
    return result.output.decode()


def build(selection: list[str], what: str) -> str:
    """Run the selected scenarios (pytest arguments) with --keep-lab; return the kept lab's run id."""
    before = set(labmod.runs(labmod.connect()))
    OUT.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            str(ROOT / ".venv/bin/pytest"),
            *selection,
            "--keep-lab",
            "-q",
            f"--html={OUT / 'report.html'}",
            f"--junitxml={OUT / 'junit.xml'}",
            f"--cucumberjson={OUT / 'cucumber.json'}",
        ],
        cwd=ROOT,
    )
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
    return (
        f"{what} over {len(values)} runs: median {statistics.median(values):.2f} s, p95 {p95:.2f} s, "
        f"min {values[0]:.2f} s, max {values[-1]:.2f} s (target: {target})"
    )


def time_command(
    topology: str,
    selection: list[str],
    server: str,
    command: str,
    succeeded: str,
    minimum: int,
    title: str,
    target: str,
) -> int:
    """The body of a benchmark script: build the lab with the selected scenarios, run one
    command N times (N from argv, at least `minimum`) on one server and time each round as
    the operator waits for it, remove the lab whatever happens, print the numbers."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else minimum
    if rounds < minimum:
        sys.exit(f"bench: at least {minimum} rounds")
    run_id = build([f"features/{topology}", *selection], f"the {topology} lab")
    client = docker.from_env()
    container = f"oat-{run_id}-{topology}-{server}"
    samples = []
    try:
        for i in range(rounds):
            started = time.monotonic()
            out = sh(client, container, command)
            took = time.monotonic() - started
            if succeeded not in out:
                raise RuntimeError(f"round {i + 1} did not succeed: {out.strip()}")
            samples.append(took)
            print(f"round {i + 1:2d}: {took:.2f} s", flush=True)
    finally:
        remove(run_id)
    print(describe(samples, title, target))
    return 0
