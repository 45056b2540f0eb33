"""oat's lab housekeeping from the shell, and its own mutation check.

oat init DIR [--procedure NAME]        a new project: an example runbook (汎用 sentences), its
    lab file, inventories in oat's and Ansible's format, a .gitignore; then `cd DIR && pytest`
python -m oat.cli list
python -m oat.cli remove RUN_ID | --all
python -m oat.cli mutants NAME ... | --all | --sample [--again] [--commit REV]
    run the product defects in lab/mutants/: each first against the scenarios of the steps it
    breaks, then its whole folders; resumes at the same commit (--again: run decided ones too)
python -m oat.cli mutants --table [--format text|markdown]   per documented step: its
    post-condition, the checks that assert it, the mutants that break it and what caught each
python -m oat.cli up LAB [LAB ...] --inventory FILE [--disposable] [--copy-packages]
    make the labs and hand them over as an inventory reached over SSH only (prints the run id);
    --copy-packages: the inventory says packages: copy (oat's .debs copied to each server)
python -m oat.cli check [PATH ...]
    every step of the features (default: the project's features/) defined? Without a lab;
    each undefined step with its file:line, the nearest sentences and a step definition to
    start from; exit 0 when all are defined, 1 when one is undefined or ambiguous, 2 on bad input
python -m oat.cli steps [--layer NAME] [--grep TEXT] [--format text|markdown|doc]
    every step sentence a feature may use, by layer (汎用, then each document folder)
python -m oat.cli merge DIR [DIR ...] [--out DIR]
    several shards' reports directories, one report (default reports/merged); exit 0 when
    the merged verdict is 合格, 1 when not, 2 on bad input
python -m oat.cli history [DIR] [--last N]
    each scenario's last runs (default reports/history), and those 不安定 on one commit
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oat import catalogue, check, scaffold
from oat.drivers.docker import handover
from oat.drivers.docker import lab as labmod
from oat.errors import LabError, OatError, one_line
from oat.model.project import project_root
from oat.mutants import command as mutants
from oat.record import merge
from oat.record.evidence import Masker, Recorder
from oat.record.outcome import counts_line, verdict_of
from oat.render import history
from oat.render import merged as merged_report


def hand_over(argv: list[str]) -> int:
    args = list(argv)
    disposable, copy = "--disposable" in args, "--copy-packages" in args
    args = [a for a in args if a not in ("--disposable", "--copy-packages")]
    if "--inventory" not in args or args.index("--inventory") + 1 >= len(args):
        raise LabError("up needs --inventory FILE (where to write the inventory)")
    at = args.index("--inventory")
    out, names = Path(args[at + 1]), args[:at] + args[at + 2 :]
    if not names:
        raise LabError("up needs the labs to make (e.g. clweb tengine)")
    root = project_root(Path.cwd())
    if root is None:
        raise LabError(f"up: no pytest.ini in {Path.cwd()} or above: run it inside the project whose labs to make")
    # `oat up` writes no report: the commands it runs are recorded in memory only.
    run_id = handover.up(
        root,
        names,
        out,
        disposable,
        Recorder(Masker()),
        progress=lambda m: print(f"[oat] {m}", file=sys.stderr),
        packages="copy" if copy else "existing",
    )
    print(run_id)
    return 0


def init_project(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="oat init", description="make a new oat project in DIR")
    parser.add_argument("dir", metavar="DIR", help="the project's folder (new, or empty)")
    parser.add_argument(
        "--procedure",
        metavar="NAME",
        default="webserver",
        help="the example runbook's folder and lab name (default: webserver)",
    )
    args = parser.parse_args(argv)
    try:
        written = scaffold.init(Path(args.dir), args.procedure)
    except scaffold.ScaffoldError as exc:
        print(f"oat: {exc}", file=sys.stderr)
        return exc.exit_code
    top = Path(args.dir)
    print(
        f"[oat] made the project {top} ({len(written)} files): features/{args.procedure}/ (an example runbook), "
        f"lab/topologies/{args.procedure}.yaml (its lab), inventory.yaml and inventory.ini (your servers)"
    )
    print(f"[oat] next: cd {top} && pytest        (the report: {top / 'reports' / 'report.html'})")
    return 0


def show_steps(argv: list[str]) -> int:
    """Print the step sentences by layer, filtered; exit 1 when a step module cannot be
    imported (one line each) or nothing matches."""
    parser = argparse.ArgumentParser(
        prog="python -m oat.cli steps", description="the step sentences a feature may use, by layer"
    )
    parser.add_argument("--layer", metavar="NAME", help="only this layer (汎用 or generic, or a document folder)")
    parser.add_argument("--grep", metavar="TEXT", help="only sentences whose text, description or file contain TEXT")
    parser.add_argument("--format", choices=("text", "markdown", "doc"), default="text")
    args = parser.parse_args(argv)
    try:
        found = catalogue.select(catalogue.load(), args.layer, args.grep)
    except catalogue.CatalogueError as exc:
        for line in str(exc).splitlines():
            print(f"oat: {line}", file=sys.stderr)
        return 1
    if not found:
        print("oat: no step sentence matches", file=sys.stderr)
        return 1
    render = {"markdown": catalogue.render_markdown, "doc": catalogue.render_document}.get(
        args.format, catalogue.render_text
    )
    print(render(found))
    return 0


MERGED = Path("reports") / "merged"


def merge_shards(argv: list[str]) -> int:
    """Several shards' reports directories, one report: 0 when the merged verdict is 合格, 1 when
    not, 2 on bad input (one line naming the directory or file)."""
    parser = argparse.ArgumentParser(
        prog="python -m oat.cli merge", description="several shards' reports directories, one operator report"
    )
    parser.add_argument("dirs", nargs="+", metavar="DIR", help="a shard's reports directory (holds oat-run.json)")
    parser.add_argument("--out", metavar="DIR", default=str(MERGED), help=f"where to write (default {MERGED})")
    args = parser.parse_args(argv)
    out = Path(args.out)
    try:
        if any(Path(d).resolve() == out.resolve() for d in args.dirs):
            raise merge.MergeError(f"{out}: --out is one of the shards' directories (its reports would be overwritten)")
        merged = merge.combine(merge.read([Path(d) for d in args.dirs]))
        try:
            written = merged_report.write(merged, out)
        except OSError as exc:
            raise merge.MergeError(f"{out}: cannot write the merged reports ({one_line(exc)})") from None
    except merge.MergeError as exc:
        print(f"oat: merge: {exc}", file=sys.stderr)
        return 2
    passed = merged["cover"]["passed"]
    count = len(merged["shards"])
    print(
        f"[oat] merged {count} shard{'' if count == 1 else 's'} ({', '.join(s.name for s in merged['shards'])}): "
        f"判定 {verdict_of(merged['cover']).word}: {counts_line(merged['cover']['counts'])}"
    )
    for reason in merged["reasons"]:
        print(f"[oat]   {reason}")
    print(f"[oat] wrote {', '.join(str(p) for p in written)}")
    return 0 if passed else 1


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["steps"]:
            return show_steps(argv[1:])
        if argv[:1] == ["check"]:
            return check.main(argv[1:])
        if argv[:1] == ["mutants"]:
            return mutants.main(argv[1:])
        if argv[:1] == ["up"]:
            return hand_over(argv[1:])
        if argv[:1] == ["merge"]:
            return merge_shards(argv[1:])
        if argv[:1] == ["history"]:
            return history.main(argv[1:])
        if argv[:1] == ["init"]:
            return init_project(argv[1:])
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
    except OatError as exc:
        print(f"oat: {exc}", file=sys.stderr)
        return 1


def entry() -> None:
    """The `oat` command (pyproject's console script)."""
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    entry()
