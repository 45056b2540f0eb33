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

from kept_lab import ROOT, time_command

from oat.model.products import Product  # noqa: E402

PRODUCT = Product(ROOT / "lab" / "products" / "tengine.yaml")
# The overview's scenarios that install and set up everything the test start needs.
SELECTION = ["-m", "概要", "-k", "インストール or セットアップ or テスト起動が成功する"]

if __name__ == "__main__":
    sys.exit(
        time_command(
            "tengine",
            SELECTION,
            "core",
            PRODUCT["core.test"],
            PRODUCT["core.test_success"],
            20,
            "Test start (fire foo → bar stored, whole command)",
            "median < 2 s",
        )
    )
