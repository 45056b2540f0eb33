"""One mutant's run: the suite's commit copied, the patch applied, then its scenarios run
against the mutated packages, in two phases on the same copy (the packages are built once,
oat.drivers.packages.build_once):

1. targeted: the scenarios that carry the documented steps its `# refs:` name, with the
   earlier scenarios of their folder as set-up, stopping at the first failure;
2. folder: only when those pass, its whole feature folders.

It is killed when a Gherkin step fails on what it observed (an assertion, a lab error): the
first failed scenario and step say what caught it, and whether that step is a check of its
refs (else the kill is flagged: caught elsewhere). It survives when every scenario passes.
A failure of oat's own code (a TypeError…) kills nothing: that run is an error.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from oat.errors import LabError
from oat.mutants import targets
from oat.mutants.catalog import ROOT, Mutant
from oat.mutants.results import ERROR, KILLED, SURVIVED, Outcome

# Failures of oat's own code, not observations of the product.
# A check with nothing at stake (oat.errors.NothingAtStake) observed nothing either.
HARNESS_ERRORS = re.compile(
    r"^(TypeError|AttributeError|NameError|ImportError|ModuleNotFoundError|KeyError|"
    r"IndexError|SyntaxError|UnboundLocalError)\b|^nothing at stake:"
)


def commit_of(rev: str = "HEAD") -> str:
    """The full commit a revision names in this repository; an unknown one is named."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise LabError(f"no commit '{rev}' in {ROOT}")
    return found.stdout.strip()


def run(mutant: Mutant, commit: str, python: str = sys.executable, say: Callable[[str], None] = print) -> Outcome:
    """Copy the commit, apply the patch, run the phases, and read what caught it."""
    started = time.monotonic()
    outcome = Outcome(
        mutant.name, mutant.kind, mutant.defect, ERROR, version=commit[:7], commit=commit, patch=mutant.digest
    )
    with tempfile.TemporaryDirectory(prefix=f"oat-mutant-{mutant.name}-") as work:
        tree = Path(work) / "tree"
        tree.mkdir()
        subprocess.run(
            f"git -C {shlex.quote(str(ROOT))} archive {shlex.quote(commit)} | tar -x -C {shlex.quote(str(tree))}",
            shell=True,
            check=True,
        )
        applied = subprocess.run(
            ["patch", "-p1", "--forward", "--batch", "-i", str(mutant.patch)], cwd=tree, capture_output=True, text=True
        )
        if applied.returncode != 0:
            outcome.cause = f"the patch does not apply: {(applied.stdout + applied.stderr).strip().splitlines()[-1:]}"
        else:
            try:
                _run_phases(mutant, tree, outcome, python, say)
            except LabError as exc:
                outcome.cause = str(exc)
    outcome.seconds = time.monotonic() - started
    return outcome


def _run_phases(mutant: Mutant, tree: Path, outcome: Outcome, python: str, say: Callable[[str], None]) -> None:
    features = tree / "features"
    for phase in targets.plan(features, mutant):
        what = (
            f"{len(phase.scenarios)} scenario(s) of its refs and their set-up"
            if phase.keyword
            else "features/" + ", features/".join(phase.folders)
        )
        say(f"[oat] mutant {mutant.name}: {phase.name}: {what}")
        selection = ["-k", phase.keyword] if phase.keyword else []
        report = f"reports/cucumber-{phase.name}.json"
        result = _pytest(
            [
                python,
                "-m",
                "pytest",
                *(f"features/{f}" for f in phase.folders),
                *selection,
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--cucumberjson={report}",
            ],
            tree,
        )
        outcome.phase = phase.name
        if result.returncode == 0:
            outcome.verdict = SURVIVED  # so far: the next phase may still kill it
            continue
        failed = first_failure(tree / report)
        if failed and not HARNESS_ERRORS.match(failed[2]):
            outcome.verdict = KILLED
            outcome.scenario, outcome.step, outcome.cause = failed
            outcome.elsewhere = not targets.within_refs(features, mutant, outcome.scenario, outcome.step)
        elif failed:
            outcome.verdict = ERROR
            outcome.scenario, outcome.step = failed[:2]
            outcome.cause = f"oat itself failed, not the product: {failed[2]}"
        else:
            outcome.verdict = ERROR
            tail = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()][-1:]
            outcome.cause = f"pytest exited {result.returncode} with no failed step: {' '.join(tail)}"
        return


# The pytest runs going on (one per --jobs slot), so that an interrupted `oat mutants` can have
# each remove its lab before it goes.
_running: set[subprocess.Popen] = set()
_running_lock = threading.Lock()
CLEANUP_SECONDS = 180  # for an interrupted run to remove its labs


def _pytest(argv: list[str], tree: Path) -> subprocess.CompletedProcess:
    """One pytest run of the mutated copy. Its output goes to files, never to a pipe that could
    close under it. It runs in a worker thread: an interrupted `oat mutants` stops it with
    stop_all (SIGTERM: it removes its labs, as on Ctrl-C), never kills it outright."""
    out, err = tree / "pytest.out", tree / "pytest.err"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        child = subprocess.Popen(argv, cwd=tree, stdout=stdout, stderr=stderr)
        with _running_lock:
            _running.add(child)
        try:
            child.wait()
        finally:
            with _running_lock:
                _running.discard(child)
    read = lambda path: path.read_text(encoding="utf-8", errors="replace")  # noqa: E731
    return subprocess.CompletedProcess(argv, child.returncode, read(out), read(err))


def stop_all() -> None:
    """Ask every pytest run going on to stop and remove its labs (all at once); wait for each,
    killing only one that is not done within CLEANUP_SECONDS."""
    with _running_lock:
        children = list(_running)
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=CLEANUP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def first_failure(cucumber: Path) -> tuple[str, str, str] | None:
    """The first failed (scenario, step, cause) in a cucumber.json, or None."""
    try:
        features = json.loads(cucumber.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for feature in features:
        for element in feature.get("elements", []):
            for step in element.get("steps", []):
                result = step.get("result", {})
                if result.get("status") == "failed":
                    cause = _cause(result.get("error_message", ""))
                    return element.get("name", ""), f"{step.get('keyword', '').strip()} {step.get('name', '')}", cause
    return None


def _cause(message: str) -> str:
    """The one line that says why: oat's headline when present, else the first error line."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    headline = next((line for line in lines if "原因:" in line), None)
    if headline:
        return headline.split("原因:", 1)[1].strip()
    error = next((line for line in lines if line.startswith("E ")), lines[0] if lines else "")
    return error.removeprefix("E").strip()[:300]
