"""`oat mutants`: run the mutants, or print the table per documented step.

    python -m oat.cli mutants NAME [NAME ...] | --all | --sample [--again] [--commit REV] [--jobs N]
    python -m oat.cli mutants --table [--format text|markdown]

A run takes the suite's commit once (HEAD, or --commit) and applies every mutant to it. Each
outcome is saved as soon as it is decided, so a stopped run started again at the same commit
goes on where it left off: a mutant already killed or survived there with the same patch is
skipped (--again runs it anyway). --jobs runs that many mutants at once, each on its own copy
and its own labs (a lab whose subnets another holds moves, as for any two runs). Exit 0 when
every chosen mutant is killed, 1 when not.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from oat.mutants import catalog, coverage, results, runner
from oat.mutants.catalog import Mutant
from oat.mutants.results import KILLED, Outcome


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m oat.cli mutants", description="run the product defects in lab/mutants/, or print their table"
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="the mutants to run (lab/mutants/NAME.patch)")
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--all", action="store_true", help="run every mutant")
    chosen.add_argument(
        "--sample", action="store_true", help=f"run the fast sample ({catalog.SAMPLE.relative_to(catalog.ROOT)})"
    )
    chosen.add_argument(
        "--table",
        action="store_true",
        help="per documented step: its post-condition, its checks, the mutants that break it "
        "and what the last run decided of each",
    )
    parser.add_argument("--format", choices=("text", "markdown"), default=None, help="the table's format (text)")
    parser.add_argument("--again", action="store_true", help="run the mutants already decided at this commit too")
    parser.add_argument(
        "--commit",
        metavar="REV",
        default="HEAD",
        help="the suite's commit to apply the mutants to (default HEAD: the run pins it at its "
        "start; give it to resume a stopped run after new commits)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="run N mutants at once (default 1; 2 fits 2 cores: most of a run is waiting on its lab)",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be 1 or more")
    if args.format and not args.table:
        parser.error("--format goes with --table")
    if args.names and (args.all or args.sample or args.table):
        parser.error("name mutants, or give --all, --sample or --table, not both")
    if args.table:
        rows = coverage.coverage()
        print(coverage.coverage_markdown(rows) if args.format == "markdown" else coverage.coverage_text(rows))
        return 0
    if not (args.names or args.all or args.sample):
        parser.error("which mutants? name them, or give --all or --sample")
    mutants = catalog.sample() if args.sample else catalog.all_mutants(args.names or None)
    signal.signal(signal.SIGTERM, _interrupted)  # `kill` takes Ctrl-C's path: the labs are removed
    return run(mutants, runner.commit_of(args.commit), again=args.again, jobs=args.jobs)


def run(
    mutants: list[Mutant],
    commit: str,
    again: bool = False,
    path: Path = results.RESULT,
    one: Callable[[Mutant, str], Outcome] = runner.run,
    say: Callable[[str], None] = print,
    jobs: int = 1,
) -> int:
    """Run each mutant not yet decided at this commit (`jobs` at once), saving each outcome in
    `path` as soon as it is decided; print what caught each, the 検出力 and the run time."""
    started = time.monotonic()
    last = results.saved(path)
    outcomes: list[Outcome] = []
    todo: list[Mutant] = []
    for mutant in mutants:
        outcome = last.get(mutant.name)
        if not again and results.decided(outcome, mutant, commit):
            say(
                f"{outcome.verdict:<9} {mutant.name}: already decided at {commit[:7]} with this patch (--again runs it)"
            )
            outcomes.append(outcome)
        else:
            todo.append(mutant)
    saving = threading.Lock()

    def decide(mutant: Mutant) -> Outcome:
        outcome = one(mutant, commit)
        with saving:
            # A deleted mutant's outcome goes. The patches are read now, not at the run's start:
            # another run may have saved outcomes of mutants added since.
            results.record(outcome, path, keep={patch.stem for patch in path.parent.glob("*.patch")})
            say(line(outcome))
        return outcome

    queue, running = iter(todo), set()
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="oat-mutant") as pool:
        try:
            while True:  # a slot that frees takes the next mutant; a failure starts no more
                while len(running) < jobs and (mutant := next(queue, None)) is not None:
                    running.add(pool.submit(decide, mutant))
                if not running:
                    break
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                outcomes += [future.result() for future in finished]
        except BaseException:  # Ctrl-C, SIGTERM: every run going on removes its labs first
            runner.stop_all()
            raise
    ran = len(todo)
    killed = sum(o.verdict == KILLED for o in outcomes)
    say(
        f"[oat] 検出力: {len(outcomes)} 件中 {killed} 件検出 (at {commit[:7]}; {ran} run, "
        f"{len(outcomes) - ran} already decided); run time {time.monotonic() - started:.0f} s"
    )
    say(f"[oat] saved in {path} (the report's 検出力 and `--table` show it)")
    return 0 if killed == len(outcomes) else 1


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def line(outcome: Outcome) -> str:
    """killed/survived/error, the mutant, and what caught it or why it could not be run."""
    where = f" in {outcome.seconds:.0f} s ({outcome.phase})" if outcome.phase else f" in {outcome.seconds:.0f} s"
    if outcome.verdict == KILLED:
        flag = " [killed elsewhere: not a check of its refs]" if outcome.elsewhere else ""
        return (
            f"killed    {outcome.name} ({outcome.kind}){where} by 「{outcome.scenario}」 / 「{outcome.step}」: "
            f"{outcome.cause}{flag}"
        )
    return f"{outcome.verdict:<9} {outcome.name} ({outcome.kind}){where}: {outcome.cause or 'every scenario passed'}"
