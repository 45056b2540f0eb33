"""Job round trip benchmark of Tengine: median over N runs of a one-job jobnet.

Builds the Tengine lab with the real procedure (features/tengine up to basic course 17,
--keep-lab: the platform, the virtual server job1, the agent), then runs
`tengined -k run jn_hello` on the core N times on the idle lab and times each: the core
logs in to job1 over SSH, starts tengine_job_agent_run, the agent fires
finished.process.job.tengine over the queue, the core records the execution as success.
The time is the whole command as the operator waits for it. Removes the lab at the end.

    .venv/bin/python bench/job_round_trip.py [N]        (N >= 10, default 10)
"""
from __future__ import annotations

import sys

import docker

from kept_lab import ROOT, build, describe, remove, time_command

from oat.products import Product  # noqa: E402

PRODUCT = Product(ROOT / "lab" / "products" / "tengine.yaml")
JOBNET = "jn_hello"


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    if rounds < 10:
        sys.exit("bench: at least 10 jobnet runs")
    run_id = build("features/tengine", "not 失敗 and not 停止 and not 再起動", "the Tengine lab with job1")
    client = docker.from_env()
    core = f"oat-{run_id}-tengine-core"
    samples: list[float] = []
    try:
        samples = time_command(client, core, PRODUCT["core.run"].format(jobnet=JOBNET), rounds, "success",
                               f"run of {JOBNET}")
    finally:
        remove(run_id)
    print(describe(samples, f"Job round trip ({JOBNET}: core → SSH → agent → queue → core)", "median < 3 s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
