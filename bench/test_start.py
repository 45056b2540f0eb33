"""Test start (テスト起動) benchmark of the Tengine core: median over N runs.

Builds the Tengine lab with the real procedure (features/tengine/01_install, --keep-lab:
DB, queue, SCM, core and console installed and set up from the lab's package source), then
runs `tengined -k test` on the core N times as the operator does and times each: connect to
the DB and the queue, fire foo, the handler fires bar, both stored in PostgreSQL. The time is
the whole command as the operator waits for it (Python start-up included). Removes the lab
at the end, whatever happens.

    .venv/bin/python bench/test_start.py [N]        (N >= 20, default 20)
"""
from __future__ import annotations

import sys

import docker

from kept_lab import ROOT, build, describe, remove, time_command

from oat.products import Product  # noqa: E402

PRODUCT = Product(ROOT / "lab" / "products" / "tengine.yaml")
# The scenarios that install and set up everything the test start needs.
SELECTION = "インストール or セットアップ or テスト起動が成功する"


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    if rounds < 20:
        sys.exit("bench: at least 20 test starts")
    run_id = build("features/tengine", SELECTION, "the Tengine lab")
    client = docker.from_env()
    core = f"oat-{run_id}-tengine-core"
    samples: list[float] = []
    try:
        samples = time_command(client, core, PRODUCT["core.test"], rounds, PRODUCT["core.test_success"], "test start")
    finally:
        remove(run_id)
    print(describe(samples, "Test start (fire foo → bar stored, whole command)", "median < 2 s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
