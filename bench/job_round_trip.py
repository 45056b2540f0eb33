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

from kept_lab import ROOT, time_command

from oat.model.products import Product  # noqa: E402

PRODUCT = Product(ROOT / "lab" / "products" / "tengine.yaml")
JOBNET = "jn_hello"
# Everything up to basic course 17, without the scenarios that break or stop parts.
SELECTION = ["-k", "not 失敗 and not 停止 and not 再起動"]

if __name__ == "__main__":
    sys.exit(
        time_command(
            "tengine",
            SELECTION,
            "core",
            PRODUCT["core.run"].format(jobnet=JOBNET),
            "success",
            10,
            f"Job round trip ({JOBNET}: core → SSH → agent → queue → core)",
            "median < 3 s",
        )
    )
