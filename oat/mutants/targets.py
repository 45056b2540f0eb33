"""Where a mutant should be caught: the documented steps its `# refs:` name, the scenarios
that carry them out (with the earlier scenarios they need as set-up), and the checks that
assert their post-condition.

A run selects those scenarios with pytest's -k; oat.plugin.procedure then runs the earlier
scenarios of their folder first, as their set-up, as it does for any selection."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from oat.errors import LabError
from oat.model import traceability
from oat.mutants.catalog import Mutant

INDEPENDENT = "独立"  # the tag of a scenario that makes its own set-up (oat.plugin.procedure)
TARGETED, FOLDER = "targeted", "folder"  # a run's phases: the refs' scenarios, then the whole folders
_SCENARIO = re.compile(
    r"^\s*(シナリオアウトライン|シナリオテンプレート|シナリオテンプレ|テンプレ|シナリオ|Scenario Outline|"
    r"Scenario)\s*:\s*(?P<name>.+?)\s*$"
)
_FEATURE = re.compile(r"^\s*(機能|フィーチャ|Feature)\s*:")
_TAGS = re.compile(r"^\s*@")
_STEP = re.compile(r"^\s*(?P<keyword>前提|もし|ならば|かつ|しかし|\*)\s*(?P<text>\S.*?)\s*$")
_WORD = re.compile(r"^[\w.\-/]+$")  # what a -k expression takes as one word


@dataclass(frozen=True)
class Scenario:
    folder: str
    file: str  # the feature file's name (01_install.feature)
    line: int
    name: str  # as written
    test: str  # the test's name in pytest (test_…), what -k matches
    tags: frozenset[str] = frozenset()  # its own and its feature's

    @property
    def independent(self) -> bool:
        """Tagged @独立: it needs no earlier scenario, and none needs it."""
        return INDEPENDENT in self.tags


@dataclass(frozen=True)
class Phase:
    name: str  # TARGETED or FOLDER
    folders: tuple[str, ...]
    keyword: str = ""  # the -k expression ("": every scenario of the folders)
    scenarios: tuple[str, ...] = ()  # the targeted scenarios, as written


def scenarios(features: Path, folder: str) -> list[Scenario]:
    """Every scenario of a feature folder in the order a run takes them (file name, then line),
    with its tags and its test's name as pytest-bdd makes it (tests/oat/mutants/test_mutants.py holds the
    two to the same names)."""
    found = []
    for path in sorted((features / folder).glob("*.feature")):
        names: dict[str, str] = {}  # scenario -> test name, in the file
        tags: set[str] = set()
        feature_tags: frozenset[str] = frozenset()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _TAGS.match(line):
                tags |= {tag for tag in line.split("#", 1)[0].replace("@", " @").split() if tag.startswith("@")}
                continue
            if (m := _SCENARIO.match(line)) and m.group("name") not in names:
                names[m.group("name")] = test = _test_name(m.group("name"), set(names.values()))
                found.append(
                    Scenario(folder, path.name, number, m.group("name"), test, feature_tags | {tag[1:] for tag in tags})
                )
            elif _FEATURE.match(line):
                feature_tags = frozenset(tag[1:] for tag in tags)
            if line.strip() and not line.lstrip().startswith("#"):
                tags = set()
    return sorted(found, key=lambda s: (s.file, s.line))


def _test_name(scenario: str, taken: set[str]) -> str:
    """pytest-bdd's name for a scenario's test: its word characters, leading digits dropped,
    lower case, then _1, _2 … while the file already has the name."""
    stem = re.sub(r"^\d+_*", "", re.sub(r"\W", "", scenario.replace(" ", "_"))).lower()
    return next(
        name for name in (f"test_{stem}{f'_{n}' if n else ''}" for n in range(len(taken) + 1)) if name not in taken
    )


def documented_steps(features: Path, mutant: Mutant) -> list[tuple[str, traceability.Item]]:
    """(folder, item) of each documented step the mutant's refs name."""
    found = []
    for folder in mutant.features:
        path = features / folder / "traceability.yaml"
        if path.is_file():
            found += [(folder, item) for item in traceability.load(path).items if item.ref in mutant.refs]
    missing = [ref for ref in mutant.refs if not any(item.ref == ref for _, item in found)]
    if missing:
        raise LabError(
            f"{mutant.patch}: refs: no documented step '{missing[0]}' in the traceability of "
            f"{', '.join(mutant.features)}"
        )
    return found


def plan(features: Path, mutant: Mutant) -> list[Phase]:
    """The runs of a mutant: the scenarios of its refs (and their set-up) first, then its whole
    folders; the whole folders alone when it has no refs or when their set-up is every scenario
    but the @独立 ones (a targeted run would cost a whole one)."""
    whole = Phase(FOLDER, mutant.features)
    every = [s for folder in mutant.features for s in scenarios(features, folder)]
    named = {(folder, name) for folder, item in documented_steps(features, mutant) for name in item.scenarios}
    wanted = [s for s in every if (s.folder, s.name) in named]
    if not wanted or {s for s in every if not s.independent} <= set(with_set_up(every, wanted)):
        return [whole]
    return [
        Phase(
            TARGETED,
            tuple(dict.fromkeys(s.folder for s in wanted)),
            keyword_expression(every, wanted),
            tuple(s.name for s in wanted),
        ),
        whole,
    ]


def with_set_up(every: list[Scenario], wanted: list[Scenario]) -> list[Scenario]:
    """The scenarios a run of `wanted` carries out: them, and before each that is not @独立 the
    earlier scenarios of its folder that are not either (as oat.plugin.procedure adds them)."""
    needed = {s for s in wanted}
    for target in wanted:
        if not target.independent:
            needed |= {
                s
                for s in every
                if s.folder == target.folder and not s.independent and (s.file, s.line) < (target.file, target.line)
            }
    return [s for s in every if s in needed]


def keyword_expression(every: list[Scenario], wanted: list[Scenario]) -> str:
    """A -k expression that selects exactly `wanted` among `every`. -k matches a word anywhere
    in a test's names (its own, its file's, its folder's), so each clause names all three and
    leaves out the tests whose name merely contains the wanted one."""
    clauses = []
    for target in wanted:
        longer = sorted(
            {
                s.test
                for s in every
                if s.folder == target.folder
                and s.file == target.file
                and s.test != target.test
                and target.test in s.test
            }
        )
        words = [target.folder, target.file, target.test]
        bad = [word for word in words + longer if not _WORD.match(word)]
        if bad:
            raise LabError(f"features/{target.folder}/{target.file}: '{bad[0]}' cannot be selected with -k")
        clauses.append("(" + " and ".join(words + [f"not {name}" for name in longer]) + ")")
    return " or ".join(clauses)


def checks_of(features: Path, folder: str, names: tuple[str, ...], actions: bool = False) -> list[str]:
    """The ならば steps (and the かつ/しかし that continue them) of those scenarios: what asserts
    a documented step's post-condition. With `actions`, the other steps instead (もし, 前提…)."""
    found: list[str] = []
    for path in sorted((features / folder).glob("*.feature")):
        current, asserting = None, False
        for line in path.read_text(encoding="utf-8").splitlines():
            if m := _SCENARIO.match(line):
                current, asserting = m.group("name"), False
                continue
            if current not in names or not (m := _STEP.match(line)):
                continue
            keyword = m.group("keyword")
            asserting = keyword == "ならば" or (asserting and keyword in ("かつ", "しかし"))
            if asserting != actions and m.group("text") not in found:
                found.append(m.group("text"))
    return found


def checks_for(features: Path, folder: str, item: traceability.Item) -> list[str]:
    """The checks of one documented step: of its scenarios, those its `steps` pick (when it names
    the steps of a shared scenario that carry it out). The actions its `steps` name count too:
    each fails when the action does not complete (a command's exit status, dpkg's state after
    an install), the documented step's post-condition seen where it is made."""
    checks = checks_of(features, folder, item.scenarios)
    if item.steps:
        picked = checks_of(features, folder, item.scenarios, actions=True) + checks
        checks = [c for c in picked if any(step in c for step in item.steps)]
    return checks


def within_refs(features: Path, mutant: Mutant, scenario: str, step: str) -> bool:
    """Was the step that killed the mutant (its keyword and text, as a run reports it) a check
    of a documented step the mutant breaks, in one of that step's scenarios?"""
    m = _STEP.match(step)
    text = m.group("text") if m else step
    return any(
        any(_like(name, scenario) for name in item.scenarios)
        and any(_like(check, text) for check in checks_for(features, folder, item))
        for folder, item in documented_steps(features, mutant)
    )


def _like(written: str, seen: str) -> bool:
    """A scenario or step as written (an outline's <placeholders>) against one as run."""
    parts = re.split(r"(<[^<>]+>)", written)
    pattern = "".join(".+?" if part.startswith("<") and part.endswith(">") else re.escape(part) for part in parts)
    return re.fullmatch(pattern, seen) is not None
