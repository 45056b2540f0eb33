"""`oat check [PATH ...]`: the authoring loop without a lab.

It collects the features under PATH (default: the features/ of the project whose pytest.ini
is in the current folder or above) through pytest itself, in this process, with
`--collect-only`: the folders' conftest.py and steps are loaded exactly as a run loads them,
and nothing runs (oat.plugin.lab makes no lab and asks no engine under --collect-only). Then,
for every step of every collected scenario (an outline's once per example row, as it will run),
it asks pytest-bdd which step definitions visible to that scenario parse it
(`find_fixturedefs_for_step`, the lookup a run does before it calls a step).

For each step that none parses it prints its file:line, the three nearest sentences the
scenario can see (compared character by character, values and fields blanked out: Japanese has
no spaces between words), and a skeleton step definition (`parsers.parse`, the quoted values
and the numbers as fields) to paste into the folder's steps. A step that several step
functions parse is named with each of them.

Exit status: 0 every step is defined, 1 a step is undefined or ambiguous, 2 bad input (a path
that is not there or not in the project's features/, a feature that does not parse, a steps
module that cannot be imported: one line each, naming the file and line).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import io
import os
import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from oat import catalogue
from oat.model.project import INI, Project, project_root

OK, PROBLEMS, BAD_INPUT = 0, 1, 2
NEAREST = 3
# A run needs its secrets' values; a check only that each placeholder names a declared secret.
STAND_IN = "oat-check-stand-in-value"

QUOTED = re.compile(r'"([^"]*)"')
PARAMETER = re.compile(r"<([^<>\s]+)>")  # a Scenario Outline's <column>
NUMBER = re.compile(r"(?<![A-Za-z0-9_.\-])\d+(?![A-Za-z0-9_.])")
FIELD = re.compile(r"\{[^{}]*\}")  # a parse field, {name} or {name:type}
NAMED_GROUP = re.compile(r"\(\?P<\w+>(?:[^()\\]|\\.)*\)")  # a regex pattern's (?P<name>...)
VALUE = "□"


class BadInput(Exception):
    """A path or a feature the check cannot work with; one line."""


@dataclass(frozen=True)
class Definition:
    keyword: str  # 前提 / もし / ならば / any
    pattern: str  # as written in the decorator
    location: str  # file:line of the step function


@dataclass
class Problem:
    where: str  # features/x/01.feature:12
    keyword: str  # as written: 前提, もし, ならば, かつ, しかし
    text: str  # the step as it runs (an outline's with its example's values)
    written: str  # the step as written (an outline's with its <columns>)
    type: str  # given / when / then (かつ and しかし take the step before's)
    folder: str  # the feature folder (procedure)
    docstring: bool
    datatable: bool
    example: dict = field(default_factory=dict)  # an outline's row: column -> value
    rows: int = 1  # an outline's rows that have this problem at this line
    matches: list[Definition] = field(default_factory=list)  # two or more: ambiguous
    nearest: list[Definition] = field(default_factory=list)

    @property
    def undefined(self) -> bool:
        return not self.matches


@dataclass
class Outcome:
    root: Path
    features: int = 0
    scenarios: int = 0
    steps: int = 0
    problems: list[Problem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # bad input: one line each
    steps_files: dict[str, str] = field(default_factory=dict)  # folder -> where its snippets go
    seconds: float = 0.0


# --- the project and its paths ------------------------------------------------------------


def resolve(paths: list[str], cwd: Path) -> tuple[Path, list[Path]]:
    """The project root and the absolute paths to check, each inside its features/."""
    if not paths:
        root = project_root(cwd)
        if root is None:
            raise BadInput(f"no {INI} in {cwd} or above: run oat check inside a project, or name its features")
        features = root / "features"
        if not features.is_dir():
            raise BadInput(f"{features}: no such folder (a project keeps each runbook in features/<procedure>/)")
        return root, [features]
    roots, chosen = set(), []
    for given in paths:
        path = (cwd / given).resolve()
        if not path.exists():
            raise BadInput(f"{given}: no such file or folder")
        root = project_root(path if path.is_dir() else path.parent)
        if root is None:
            raise BadInput(f"{given}: not in a project (no {INI} in its folder or above)")
        roots.add(root)
        features = root / "features"
        if path.is_dir() and (path == root or path in features.parents):
            path = features
        if path != features and features not in path.parents:
            raise BadInput(f"{given}: not in the project's features folder ({features})")
        if path.is_file() and (path.suffix != ".feature" or path.parent == features):
            raise BadInput(f"{given}: not a feature file of a folder features/<procedure>/")
        chosen.append(path)
    if len(roots) > 1:
        raise BadInput(f"the paths belong to different projects: {', '.join(sorted(map(str, roots)))}")
    return roots.pop(), chosen


def _place(where: str) -> tuple[str, int]:
    """`file:line` in the order of files, then lines."""
    file, _, line = where.rpartition(":")
    return file, int(line) if line.isdigit() else 0


# --- similarity and skeletons (plain functions of the text) --------------------------------


def shape_of_step(text: str) -> str:
    """The step's words with each value (quoted, a <column>, a number) one blank, no spaces."""
    text = QUOTED.sub(VALUE, text)
    text = PARAMETER.sub(VALUE, text)
    return _shape(NUMBER.sub(VALUE, text))


def shape_of_pattern(pattern: str) -> str:
    """A sentence's words with each field one blank, no spaces: comparable with shape_of_step."""
    text = NAMED_GROUP.sub(VALUE, FIELD.sub(VALUE, pattern))
    return _shape(text.removeprefix("^").removesuffix("$"))


def _shape(text: str) -> str:
    return "".join(text.replace(f'"{VALUE}"', VALUE).split())


def similarity(text: str, pattern: str) -> float:
    """0..1, on characters, so it needs no word boundaries (Japanese has none): the mean of
    difflib's ratio (the words in order) and the Dice coefficient of the character pairs (the
    words shared: a particle alone, を or が, is no pair)."""
    a, b = shape_of_step(text), shape_of_pattern(pattern)
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    pairs_a, pairs_b = _pairs(a), _pairs(b)
    dice = 2 * len(pairs_a & pairs_b) / (len(pairs_a) + len(pairs_b)) if pairs_a or pairs_b else 1.0
    return (ratio + dice) / 2


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def nearest(text: str, step_type: str, candidates: list[Definition], count: int = NEAREST) -> list[Definition]:
    """The `count` definitions most like the step, one sentence per step function (a check's
    `N 秒以内に` form counts with its plain form), a sentence of the step's own keyword first
    on a tie."""
    keyword = catalogue.KEYWORDS[step_type]
    scored = sorted(
        candidates,
        key=lambda d: (-similarity(text, d.pattern), d.keyword not in (keyword, "any"), d.location, d.pattern),
    )
    chosen, functions = [], set()
    for definition in scored:
        if definition.location in functions:
            continue
        functions.add(definition.location)
        chosen.append(definition)
        if len(chosen) == count:
            break
    return chosen


def skeleton_pattern(written: str, example: dict | None = None) -> tuple[str, list[tuple[str, str]]]:
    """The parse pattern of a step as written and its fields (name, Python type): each quoted
    value a text field `"{argN}"`; each number, and each <column> outside quotes whose example
    value is a number, `{n:d}` (`{n2:d}`...); another <column> `{argN}`; braces of the text
    itself doubled, as parse wants them."""
    example = example or {}
    out, fields = [], []
    texts = numbers = 0
    token = re.compile(f"{QUOTED.pattern}|{PARAMETER.pattern}|{NUMBER.pattern}")  # groups: 1 quoted, 2 column
    at = 0
    for match in token.finditer(written):
        out.append(_literal(written[at : match.start()]))
        column = match.group(2)
        if match.group(0).isdigit() or (column is not None and str(example.get(column, "")).isdigit()):
            numbers += 1
            name = "n" if numbers == 1 else f"n{numbers}"
            fields.append((name, "int"))
            out.append(f"{{{name}:d}}")
        else:
            texts += 1
            name = f"arg{texts}"
            fields.append((name, "str"))
            out.append(f'"{{{name}}}"' if match.group(0).startswith('"') else f"{{{name}}}")
        at = match.end()
    out.append(_literal(written[at:]))
    return "".join(out), fields


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def skeleton(problem: Problem) -> str:
    """A step definition to start from: decorator, signature, a docstring line and a body
    that says it is not written yet."""
    pattern, fields = skeleton_pattern(problem.written, problem.example)
    params = [f"{name}: {kind}" for name, kind in fields]
    if problem.docstring:
        params.append("docstring: str")
    if problem.datatable:
        params.append("datatable: list[list[str]]")
    return "\n".join(
        [
            f"@{problem.type}(parsers.parse({pattern!r}))",
            f"def _({', '.join(params)}):",
            '    """TODO: what this step does, in one line (oat steps shows it)."""',
            f"    raise NotImplementedError({f'{problem.where}: {problem.keyword} {problem.written}'!r})",
        ]
    )


# --- collecting through pytest -----------------------------------------------------------


class Checker:
    """pytest plugin of the check: only the requested paths are collected; after collection,
    each step's definitions; every collection error kept with its exception."""

    def __init__(self, root: Path, paths: list[Path]):
        self.root = root
        self.paths = paths
        self.outcome = Outcome(root)
        self.collected = False
        self._visible: dict[object, list[Definition]] = {}

    def pytest_ignore_collect(self, collection_path: Path, config):
        path = Path(collection_path).resolve()
        if any(path == p or p in path.parents or path in p.parents for p in self.paths):
            return None
        return True

    def pytest_exception_interact(self, node, call, report):
        if isinstance(node, pytest.Collector) and call.excinfo is not None:
            self.outcome.errors.append(self._error_line(node.path, call.excinfo.value))

    @pytest.hookimpl(wrapper=True)
    def pytest_load_initial_conftests(self, early_config, parser, args):
        """A conftest.py that pytest loads before collecting (the project's own) and cannot import."""
        try:
            return (yield)
        except Exception as exc:
            if getattr(exc, "cause", None) is not None and getattr(exc, "path", None) is not None:
                self.outcome.errors.append(self._error_line(exc.path, exc))
            raise

    @pytest.hookimpl(wrapper=True)
    def pytest_collection_finish(self, session):
        """Around every plugin's: the steps are checked first; a plugin that stops the run at
        collection (an undeclared secret, a feature's bad placeholder) gives a bad-input line."""
        self.collected = True
        self._check(session)
        self._stand_in_secrets(session.config)
        try:
            return (yield)
        except pytest.exit.Exception as stop:
            self.outcome.errors.append(str(stop.msg).removeprefix("oat: "))
            return None

    def _stand_in_secrets(self, config) -> None:
        from oat.plugin.secrets import secrets_key

        secrets = config.stash.get(secrets_key, None)
        if secrets is not None:
            values = {name: secrets.values.get(name, STAND_IN) for name in secrets.declared}
            config.stash[secrets_key] = dataclasses.replace(secrets, values=values)

    def _check(self, session) -> None:
        from pytest_bdd.scenario import find_fixturedefs_for_step, scenario_wrapper_template_registry

        assert session.config.option.collectonly, "oat check only ever collects"
        fixturemanager = session._fixturemanager
        seen, features, scenarios = set(), set(), set()
        for item in session.items:
            template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
            if template is None:
                continue
            feature = Path(os.path.realpath(template.feature.filename))
            features.add(feature)
            scenarios.add((feature, template.line_number))
            written = {step.line_number: step for step in template.steps}
            callspec = getattr(item, "callspec", None)
            example = callspec.params.get("_pytest_bdd_example", {}) if callspec else {}
            for step in template.render(example).steps:
                key = (feature, step.line_number, step.name)
                if key in seen:
                    continue
                seen.add(key)
                # One step function registered under two sentences is one definition.
                by_function = {}
                for fixturedef in find_fixturedefs_for_step(step, fixturemanager, item):
                    definition = self._definition(fixturedef.func)
                    by_function.setdefault(definition.location, definition)
                if len(by_function) == 1:
                    continue
                matches = [by_function[location] for location in sorted(by_function, key=_place)]
                problem = Problem(
                    where=f"{Project(self.root).shown(feature)}:{step.line_number}",
                    keyword=step.keyword.strip(),
                    text=step.name,
                    written=written[step.line_number].name,
                    type=step.type,
                    folder=self._folder(feature),
                    docstring=step.docstring is not None,
                    datatable=step.datatable is not None,
                    example=dict(example),
                    matches=matches,
                )
                same = next(
                    (p for p in self.outcome.problems if (p.where, p.matches) == (problem.where, matches)), None
                )
                if same is not None:  # another row of an outline, with the same problem
                    same.rows += 1
                    continue
                if problem.undefined:
                    problem.nearest = nearest(step.name, step.type, self._visible_to(item, fixturemanager))
                    self.outcome.steps_files.setdefault(
                        problem.folder, self._steps_file(session.config, problem.folder)
                    )
                self.outcome.problems.append(problem)
        self.outcome.features, self.outcome.scenarios, self.outcome.steps = len(features), len(scenarios), len(seen)
        self.outcome.problems.sort(key=lambda p: _place(p.where))

    def _definition(self, func) -> Definition:
        from pytest_bdd.steps import step_function_context_registry

        context = step_function_context_registry[func]
        return Definition(
            catalogue.KEYWORDS.get(context.type, "any"),
            context.parser.name,
            catalogue.defined_at(context.step_func, self.root),
        )

    def _visible_to(self, item, fixturemanager) -> list[Definition]:
        """Every step definition the item's scenario can see (the same for a whole file)."""
        from pytest_bdd.compat import get_fixture_names, getfixturedefs
        from pytest_bdd.steps import step_function_context_registry

        if item.parent not in self._visible:
            found = {}
            for name in get_fixture_names(fixturemanager):
                for fixturedef in getfixturedefs(fixturemanager, name, item) or []:
                    if fixturedef.func in step_function_context_registry:
                        definition = self._definition(fixturedef.func)
                        found[definition] = definition
            self._visible[item.parent] = list(found)
        return self._visible[item.parent]

    def _folder(self, feature: Path) -> str:
        parts = Path(Project(self.root).shown(feature)).parts
        return "/".join(parts[:2]) if len(parts) > 2 else parts[0]

    def _steps_file(self, config, folder: str) -> str:
        """Where the folder's snippets go, as lines of comment."""
        conftest = self.root / folder / "conftest.py"
        package = folder.replace("/", ".")
        imported = []
        if conftest.is_file():
            imported = re.findall(
                rf"^from {re.escape(package)}\.steps\.(\w+) import",
                conftest.read_text(encoding="utf-8"),
                flags=re.MULTILINE,
            )
        if imported:
            return (
                f"Paste into a steps file of {folder}/steps/ that {folder}/conftest.py imports "
                f"({', '.join(f'{folder}/steps/{m}.py' for m in imported)})."
            )
        module = Path(folder).name if Path(folder).name.isidentifier() else "steps"
        lines = [
            f"Paste into {folder}/steps/{module}.py, and import it in {folder}/conftest.py:",
            f"    from {package}.steps.{module} import *  # noqa: F401,F403",
        ]
        if not config.getini("pythonpath"):
            lines.append(f"(pytest.ini needs `pythonpath = .` for conftest.py to import {package}.steps)")
        return "\n".join(lines)

    def _error_line(self, path, exc: BaseException) -> str:
        """One line naming the file and line of a collection error."""
        from pytest_bdd.exceptions import GherkinParseError

        from oat.errors import OatError

        cause = getattr(exc, "cause", None)  # pytest's ConftestImportFailure
        if cause is not None and getattr(exc, "path", None) is not None:
            exc = cause
        if isinstance(exc, GherkinParseError):
            original = str(exc.__cause__.args[0]) if exc.__cause__ is not None and exc.__cause__.args else ""
            first = next((line for line in original.splitlines() if re.match(r"\(\d+:\d+\)", line)), exc.message)
            text = re.sub(r"^\(\d+:\d+\):\s*", "", first)
            head = Path(exc.filename).read_text(encoding="utf-8", errors="replace").splitlines()[:3]
            if not any(line.strip().startswith("# language:") for line in head):
                text += " (a feature's first line is `# language: ja`)"
            return f"{Project(self.root).shown(exc.filename)}:{exc.line}: does not parse: {text}"
        if isinstance(exc, OatError):
            return str(exc)
        return _import_failure(exc, self.root, Project(self.root).shown(path))


def _import_failure(exc: BaseException, root: Path, fallback: str) -> str:
    """`file:line: cannot be imported: Error: message`, where in the project it went wrong."""
    message = " ".join(str(exc).split()) or "(no message)"
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{Project(root).shown(exc.filename)}:{exc.lineno}"
        message = exc.msg
    else:
        frames = [
            f
            for f in traceback.extract_tb(exc.__traceback__)
            if _inside(Path(f.filename), root) and "site-packages" not in Path(f.filename).parts
        ]
        where = f"{Project(root).shown(frames[-1].filename)}:{frames[-1].lineno}" if frames else fallback
    return f"{where}: cannot be imported: {type(exc).__name__}: {message}"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
        return True
    except ValueError:
        return False


def collect(root: Path, paths: list[Path]) -> Outcome:
    """Collect the paths in this process with pytest (--collect-only) and the Checker."""
    checker = Checker(root, paths)
    args = [
        str(root / "features"),
        "--collect-only",
        "-q",
        "-p",
        "no:cacheprovider",
        "-c",
        str(root / INI),
        "--rootdir",
        str(root),
    ]
    output, errors = io.StringIO(), io.StringIO()
    writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(errors):
            code = pytest.main(args, plugins=[checker])
    finally:
        sys.dont_write_bytecode = writes_bytecode
    outcome = checker.outcome
    if not outcome.errors and (not checker.collected or code == pytest.ExitCode.INTERNAL_ERROR):
        outcome.errors.append(_startup_failure(errors.getvalue() + output.getvalue(), int(code)))
    return outcome


def _startup_failure(text: str, code: int) -> str:
    """One line from what pytest printed when it stopped before collecting (a usage error,
    a conftest.py that cannot be loaded), or when it failed inside (a traceback: its last line)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    internal = [line.removeprefix("INTERNALERROR>").strip() for line in lines if line.startswith("INTERNALERROR>")]
    if internal:
        return f"pytest failed while collecting: {next(line for line in reversed(internal) if line)}"
    usage = [line.removeprefix("ERROR: ").removeprefix("oat: ") for line in lines if line.startswith("ERROR: ")]
    if usage:
        return usage[0]
    conftest = next((line for line in lines if line.startswith("ImportError while loading conftest")), None)
    error = next((line[1:].strip() for line in reversed(lines) if line.startswith("E ")), None)
    if conftest or error:
        return " ".join(part for part in (conftest, error) if part)
    return f"pytest stopped before collecting (exit {code}): {lines[-1] if lines else 'no output'}"


# --- the report ---------------------------------------------------------------------------


def _pad(keyword: str) -> str:
    return keyword + " " * max(1, 8 - catalogue.display_width(keyword))


def render(outcome: Outcome) -> str:
    out = []
    for problem in outcome.problems:
        head = f"{problem.where}: {problem.keyword} {problem.text}"
        rows = f", in {problem.rows} example rows" if problem.rows > 1 else ""
        if problem.undefined:
            out.append(f"{head} (undefined{rows})")
            for i, definition in enumerate(problem.nearest):
                label = "nearest: " if i == 0 else " " * 9
                out.append(f"    {label}{_pad(definition.keyword)}{definition.pattern}  [{definition.location}]")
        else:
            out.append(f"{head} (ambiguous{rows}: {', '.join(d.location for d in problem.matches)})")
            for definition in problem.matches:
                out.append(f"    {_pad(definition.keyword)}{definition.pattern}  [{definition.location}]")
    snippets = _snippets(outcome)
    if snippets:
        out += ["", "# Step definitions to start from, one per undefined sentence.", *snippets]
    undefined = sum(p.undefined for p in outcome.problems)
    ambiguous = len(outcome.problems) - undefined
    verdict = "every step is defined" if not outcome.problems else f"{undefined} undefined, {ambiguous} ambiguous"
    if out:
        out.append("")
    out.append(
        f"oat check: {_count(outcome.features, 'feature file')}, {_count(outcome.scenarios, 'scenario')}, "
        f"{_count(outcome.steps, 'step')}: {verdict} ({outcome.seconds:.1f} s, no lab)"
    )
    return "\n".join(out) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _snippets(outcome: Outcome) -> list[str]:
    """Per feature folder: where to paste, the imports, then one definition per sentence."""
    out = []
    by_folder: dict[str, dict[tuple[str, str], Problem]] = {}
    for problem in outcome.problems:
        if problem.undefined:
            key = (problem.type, skeleton_pattern(problem.written, problem.example)[0])
            by_folder.setdefault(problem.folder, {}).setdefault(key, problem)
    for folder, chosen in sorted(by_folder.items()):
        used = sorted({p.type for p in chosen.values()} | {"parsers"})
        out += [
            "",
            f"# --- {folder}",
            *(f"# {line}" for line in outcome.steps_files[folder].splitlines()),
            "",
            f"from pytest_bdd import {', '.join(used)}",
        ]
        for problem in chosen.values():
            out += ["", "", skeleton(problem)]
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="oat check",
        description="every step of the features, defined? Without a lab: nothing runs, nothing is "
        "made. Exit 0: all defined, 1: a step undefined or ambiguous, 2: bad input",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="feature files or folders (default: the features/ of the project of the current folder)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        root, paths = resolve(args.paths, Path.cwd())
    except BadInput as exc:
        print(f"oat: {exc}", file=sys.stderr)
        return BAD_INPUT
    outcome = collect(root, paths)
    outcome.seconds = time.monotonic() - started
    if outcome.errors:
        for line in dict.fromkeys(outcome.errors):
            print(f"oat: {line}", file=sys.stderr)
        return BAD_INPUT
    if not outcome.features:
        where = ", ".join(Project(root).shown(p) for p in paths)
        print(f"oat: no scenario in {where}", file=sys.stderr)
        return BAD_INPUT
    sys.stdout.write(render(outcome))
    return PROBLEMS if outcome.problems else OK
