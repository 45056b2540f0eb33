"""oat's own mutation check: does the suite catch a product that carries one realistic defect?

Each mutant is a patch in lab/mutants/NAME.patch against this repository's reference
products, with a header of `# key: value` lines before the diff:

    # defect: CL/Web ignores $bind and listens on every address of the node
    # kind: port and address          (the kind of post-condition the documents state)
    # features: clweb                 (the feature folders that concern it)

For each mutant the committed tree (HEAD: what the result's version names, whatever is being
edited meanwhile) is copied, the patch applied, and the feature folders run against the
mutated packages (a lab of their own, stopping at the first failure). A mutant is killed
when a Gherkin step fails on what it observed (an assertion, a lab error), and the first
failed scenario and step say what caught it; it survives when every scenario passes. A
failure of oat's own code (a TypeError…) kills nothing: that run is an error. A survivor is
a finding: the suite lacks a check.
"""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from oat.errors import LabError

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "lab" / "mutants"
RESULT = MUTANTS / "result.json"  # the last full result, shown on the report's cover
# Failures of oat's own code, not observations of the product.
# A check with nothing at stake (oat.errors.NothingAtStake) observed nothing either.
HARNESS_ERRORS = re.compile(r"^(TypeError|AttributeError|NameError|ImportError|ModuleNotFoundError|KeyError|"
                            r"IndexError|SyntaxError|UnboundLocalError)\b|^nothing at stake:")
_HEADER = re.compile(r"^#\s*(?P<key>[a-z]+):\s*(?P<value>.+?)\s*$")


@dataclass(frozen=True)
class Mutant:
    name: str
    defect: str
    kind: str
    features: tuple[str, ...]
    patch: Path


@dataclass
class Outcome:
    name: str
    kind: str
    defect: str
    verdict: str           # killed | survived | error
    scenario: str = ""     # the first scenario that failed
    step: str = ""         # and its failed step
    cause: str = ""        # the step's one-line cause, or why the mutant could not be run
    seconds: float = 0.0
    version: str = ""      # the commit the mutant was applied to


def load(path: Path) -> Mutant:
    """A mutant from its patch file; a missing header key is named with the file."""
    path = Path(path)
    header = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("--- ") or line.startswith("diff "):
            break
        if (m := _HEADER.match(line)):
            header[m["key"]] = m["value"]
    for key in ("defect", "kind", "features"):
        if key not in header:
            raise LabError(f"{path}: header line '# {key}: …' is missing")
    folders = tuple(f.strip() for f in header["features"].split(",") if f.strip())
    for folder in folders:
        if not (ROOT / "features" / folder).is_dir():
            raise LabError(f"{path}: features: no feature folder '{folder}'")
    return Mutant(path.stem, header["defect"], header["kind"], folders, path)


def all_mutants(names: list[str] | None = None) -> list[Mutant]:
    found = {p.stem: p for p in sorted(MUTANTS.glob("*.patch"))}
    unknown = [n for n in names or [] if n not in found]
    if unknown:
        raise LabError(f"no mutant {', '.join(unknown)} in {MUTANTS} (known: {', '.join(found)})")
    return [load(found[n]) for n in (names or found)]


def run(mutant: Mutant, python: str = sys.executable, say=print) -> Outcome:
    """Build the mutated tree, run its feature folders, and read what caught it."""
    started = time.monotonic()
    outcome = Outcome(mutant.name, mutant.kind, mutant.defect, "error", version=head())
    with tempfile.TemporaryDirectory(prefix=f"oat-mutant-{mutant.name}-") as work:
        tree = Path(work) / "tree"
        tree.mkdir()
        subprocess.run(f"git -C {shlex.quote(str(ROOT))} archive HEAD | tar -x -C {shlex.quote(str(tree))}",
                       shell=True, check=True)
        applied = subprocess.run(["patch", "-p1", "--forward", "--batch", "-i", str(mutant.patch)],
                                 cwd=tree, capture_output=True, text=True)
        if applied.returncode != 0:
            outcome.cause = f"the patch does not apply: {(applied.stdout + applied.stderr).strip().splitlines()[-1:]}"
            outcome.seconds = time.monotonic() - started
            return outcome
        say(f"[oat] mutant {mutant.name}: running features/{', features/'.join(mutant.features)}")
        result = subprocess.run(
            [python, "-m", "pytest", *(f"features/{f}" for f in mutant.features), "-x", "-q",
             "-p", "no:cacheprovider", "--cucumberjson=reports/cucumber.json"],
            cwd=tree, capture_output=True, text=True)
        outcome.seconds = time.monotonic() - started
        failed = first_failure(tree / "reports" / "cucumber.json")
        if result.returncode == 0:
            outcome.verdict = "survived"
        elif failed and not HARNESS_ERRORS.match(failed[2]):
            outcome.verdict = "killed"
            outcome.scenario, outcome.step, outcome.cause = failed
        elif failed:
            outcome.scenario, outcome.step = failed[:2]
            outcome.cause = f"oat itself failed, not the product: {failed[2]}"
        else:
            tail = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()][-1:]
            outcome.cause = f"pytest exited {result.returncode} with no failed step: {' '.join(tail)}"
    return outcome


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


def head() -> str:
    return subprocess.run(["git", "-C", str(ROOT), "describe", "--always"], capture_output=True,
                          text=True).stdout.strip() or "unknown"


def summary(outcomes: list[Outcome]) -> dict:
    killed = sum(1 for o in outcomes if o.verdict == "killed")
    return {"killed": killed, "total": len(outcomes), "outcomes": [asdict(o) for o in outcomes]}


def save(outcomes: list[Outcome], seconds: float, path: Path = RESULT) -> dict:
    """Save the outcomes; a run of some mutants replaces theirs in the last full result."""
    last = last_result(path)
    if last and len(outcomes) < len(all_mutants()):
        mine = {o.name for o in outcomes}
        outcomes = [Outcome(**o) for o in last["outcomes"] if o["name"] not in mine] + outcomes
        seconds += last.get("seconds", 0.0)
    outcomes = sorted(outcomes, key=lambda o: o.name)
    versions = ", ".join(dict.fromkeys(o.version for o in outcomes))
    data = {**summary(outcomes), "version": versions, "finished": time.time(), "seconds": seconds}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return data


def last_result(path: Path = RESULT) -> dict | None:
    """The last saved result (for the report's cover), or None when there is none."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def result_for(project_root: Path, folders: list[str]) -> dict | None:
    """The project's last result (its lab/mutants/result.json), counting only the mutants of
    the feature folders this run carried out: a run of one product shows that product's
    検出力, and a project without mutants shows none."""
    mutants_dir = Path(project_root) / "lab" / "mutants"
    last = last_result(mutants_dir / "result.json")
    if not last:
        return None
    concerns = {}
    for patch in mutants_dir.glob("*.patch"):
        header = dict(m.group("key", "value") for line in patch.read_text(encoding="utf-8").splitlines()[:20]
                      if (m := _HEADER.match(line)))
        concerns[patch.stem] = {f.strip() for f in header.get("features", "").split(",") if f.strip()}
    mine = [o for o in last.get("outcomes", []) if concerns.get(o["name"], set()) & set(folders)]
    if not mine:
        return None
    return {**last, "outcomes": mine, "total": len(mine), "killed": sum(o["verdict"] == "killed" for o in mine)}
