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


def header_of(path: Path) -> dict[str, str]:
    """The `# key: value` lines before a patch's diff."""
    header = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("--- ") or line.startswith("diff "):
            break
        if (m := _HEADER.match(line)):
            header[m["key"]] = m["value"]
    return header


def _items(value: str, separator: str) -> list[str]:
    return [item.strip() for item in value.split(separator) if item.strip()]


def load(path: Path) -> Mutant:
    """A mutant from its patch file; a missing header key is named with the file."""
    path = Path(path)
    header = header_of(path)
    for key in ("defect", "kind", "features"):
        if key not in header:
            raise LabError(f"{path}: header line '# {key}: …' is missing")
    folders = tuple(_items(header["features"], ","))
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
    concerns = {patch.stem: set(_items(header_of(patch).get("features", ""), ","))
                for patch in mutants_dir.glob("*.patch")}
    mine = [o for o in last.get("outcomes", []) if concerns.get(o["name"], set()) & set(folders)]
    if not mine:
        return None
    return {**last, "outcomes": mine, "total": len(mine), "killed": sum(o["verdict"] == "killed" for o in mine)}


# --- 検出力 per documented step: the coverage table -------------------------------------------

_SCENARIO = re.compile(r"^\s*(シナリオアウトライン|シナリオ|Scenario Outline|Scenario)\s*:\s*(?P<name>.+?)\s*$")
_STEP = re.compile(r"^\s*(?P<keyword>前提|もし|ならば|かつ|しかし|\*)\s*(?P<text>\S.*?)\s*$")


def checks_of(features: Path, folder: str, scenarios: tuple[str, ...]) -> list[str]:
    """The ならば steps (and the かつ/しかし that continue them) of those scenarios: what asserts
    the documented step's post-condition."""
    found: list[str] = []
    for path in sorted((features / folder).glob("*.feature")):
        current, asserting = None, False
        for line in path.read_text(encoding="utf-8").splitlines():
            if (m := _SCENARIO.match(line)):
                current, asserting = m.group("name"), False
                continue
            if current not in scenarios or not (m := _STEP.match(line)):
                continue
            keyword = m.group("keyword")
            asserting = keyword == "ならば" or (asserting and keyword in ("かつ", "しかし"))
            if asserting and m.group("text") not in found:
                found.append(m.group("text"))
    return found


@dataclass
class Coverage:
    folder: str
    ref: str
    expected: str          # the post-condition sentence ("" when the step states none)
    why_none: str          # why there is no post-condition to break (not applicable here, none stated)
    checks: list[str]
    mutants: list[tuple[str, str]]   # (name, verdict of the last run, or "未実行")

    @property
    def covered(self) -> bool:
        return bool(self.why_none) or any(verdict == "killed" for _, verdict in self.mutants)


def coverage(root: Path = ROOT) -> list[Coverage]:
    """Every documented step of the project's documents with its post-condition, the checks
    that assert it, and the mutants that break it (from their `# refs:` header) with what the
    last mutation run said of each."""
    from oat.model import traceability

    verdicts = {o["name"]: o["verdict"] for o in (last_result(root / "lab" / "mutants" / "result.json") or {})
                .get("outcomes", [])}
    breaking: dict[tuple[str, str], list[str]] = {}
    for patch in sorted((root / "lab" / "mutants").glob("*.patch")):
        header = header_of(patch)
        for folder in _items(header.get("features", ""), ","):
            for ref in _items(header.get("refs", ""), ";"):
                breaking.setdefault((folder, ref), []).append(patch.stem)
    rows = []
    for path in sorted((root / "features").glob("*/traceability.yaml")):
        mapping = traceability.load(path)
        for item in mapping.items:
            why = (f"実施不可: {item.not_applicable}" if item.not_applicable else
                   "" if item.expected else "事後条件を述べない手順 (期待結果なし)")
            checks = checks_of(root / "features", mapping.folder, item.scenarios)
            if item.steps:  # the item names the steps of a shared scenario that carry it out
                checks = [c for c in checks if any(step in c for step in item.steps)]
            rows.append(Coverage(mapping.folder, item.ref, item.expected, why, checks,
                                 [(n, verdicts.get(n, "未実行")) for n in breaking.get((mapping.folder, item.ref), [])]))
    return rows


def coverage_text(rows: list[Coverage]) -> str:
    """The table as the terminal shows it: one block per documented step."""
    lines = []
    for row in rows:
        mark = "○" if row.covered else "×"
        lines.append(f"{mark} {row.folder} {row.ref}: {row.expected or row.why_none}")
        for check in row.checks[:6]:
            lines.append(f"    確認: {check}")
        if len(row.checks) > 6:
            lines.append(f"    確認: … (ほか {len(row.checks) - 6})")
        for name, verdict in row.mutants:
            lines.append(f"    変異: {name}: {verdict}")
        if not row.why_none and not row.mutants:
            lines.append("    変異: なし (この事後条件を破る変異がまだない)")
    stated = [r for r in rows if not r.why_none]
    killed = [r for r in stated if r.covered]
    lines.append(f"[oat] 事後条件を述べる手順 {len(stated)} 件のうち、検出された変異があるもの {len(killed)} 件; "
                 f"述べない手順 {len(rows) - len(stated)} 件")
    return "\n".join(lines)
