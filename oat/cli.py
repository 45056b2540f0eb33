"""oat's lab housekeeping from the shell: list the labs on this engine, remove one or all.

    python -m oat.cli list
    python -m oat.cli remove RUN_ID | --all
"""
from __future__ import annotations

import sys

from oat import lab as labmod
from oat.errors import LabError


def main(argv: list[str]) -> int:
    try:
        client = labmod.connect()
        if argv[:1] == ["list"]:
            runs = labmod.runs(client)
            for run_id, names in sorted(runs.items()):
                print(f"{run_id}: {', '.join(sorted(names))}")
            if not runs:
                print("no oat lab on this engine")
            return 0
        if argv[:1] == ["remove"] and len(argv) == 2:
            targets = sorted(labmod.runs(client)) if argv[1] == "--all" else [argv[1]]
            if argv[1] != "--all" and argv[1] not in labmod.runs(client):
                raise LabError(f"no lab with run id '{argv[1]}' on this engine (see: python -m oat.cli list)")
            for run_id in targets:
                problems = labmod.remove_run(client, run_id)
                if problems:
                    raise LabError(f"run {run_id} not fully removed: {'; '.join(problems)}")
                print(f"removed lab of run {run_id}")
            return 0
        print(__doc__.strip(), file=sys.stderr)
        return 2
    except LabError as exc:
        print(f"oat: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
