"""The step sentences a feature may use, by layer: what `python -m oat.cli steps` prints.

Layers, found by glob so that new folders appear on their own:

- 汎用: `oat/vocabulary/*.py`, the steps any runbook may use (oat's own, wherever it is installed);
- one layer per document folder: `features/<doc>/steps/*.py`, that document's product steps;
- `steps`: the top-level `steps/*.py` modules, document steps not yet moved to their folder
  (listed only while such modules exist).

Each module is imported from its file (importlib), without pytest or a lab. Each sentence is
read from pytest-bdd's own registry of step definitions (`step_function_context_registry`):
its keyword, its pattern as written, the first paragraph of the function's docstring and
where the function is defined (through decorators such as `oat.safety.disruptive`).
"""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import sys
import traceback
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY = Path(__file__).resolve().parent / "vocabulary"
GENERIC = "汎用"
TOP_LEVEL = "steps"
KEYWORDS = {"given": "前提", "when": "もし", "then": "ならば", None: "any"}
NO_DESCRIPTION = "(no description)"

_imports = itertools.count()


class CatalogueError(Exception):
    """A step module that cannot be imported, or a filter that names no layer; one line each."""


@dataclass(frozen=True)
class Sentence:
    keyword: str  # 前提 / もし / ならば / any
    pattern: str  # as written in the decorator (parse format, plain text or regex)
    description: str  # the docstring's first paragraph on one line, or NO_DESCRIPTION
    location: str  # file:line of the step function, relative to the root
    function: str = ""  # its name: where the generated document points (lines move, names stay)

    def matches(self, text: str) -> bool:
        text = text.casefold()
        return any(text in part.casefold() for part in (self.pattern, self.description, self.location))


@dataclass
class Layer:
    name: str  # 汎用, a document folder's name, or `steps`
    source: str  # the glob its modules come from, relative to the root
    files: list[Path]
    sentences: list[Sentence] = field(default_factory=list)


def layers(root: Path | None = None, vocabulary: Path = VOCABULARY) -> list[Layer]:
    """The layers and their module files (nothing imported yet); a layer without files is left out.
    The 汎用 layer is oat's vocabulary package; the others are the project's (`root`)."""
    root = root or ROOT
    found = [Layer(GENERIC, "oat/vocabulary/*.py", _modules(vocabulary))]
    for folder in sorted(p for p in (root / "features").glob("*/") if p.is_dir()):
        found.append(Layer(folder.name, f"features/{folder.name}/steps/*.py", _modules(folder / "steps")))
    found.append(Layer(TOP_LEVEL, "steps/*.py", _modules(root / "steps")))
    return [layer for layer in found if layer.files]


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))


def load(root: Path | None = None, vocabulary: Path = VOCABULARY) -> list[Layer]:
    """Every layer with its sentences. Raises CatalogueError with one line per module that
    cannot be imported."""
    from pytest_bdd.steps import step_function_context_registry as registry

    root = (root or ROOT).resolve()
    found = layers(root, vocabulary)
    layer_of = {path.resolve(): layer for layer in found for path in layer.files}
    entries, failures = [], []
    added = _root_on_path(root)
    try:
        for layer in found:
            for path in layer.files:
                before = set(registry.keys())
                try:
                    module = _import(path, root)
                except CatalogueError as exc:
                    failures.append(str(exc))
                    continue
                try:
                    entries.extend(
                        (layer, context) for marker, context in list(registry.items()) if marker not in before
                    )
                finally:
                    sys.modules.pop(module.__name__, None)
    finally:
        if added:
            sys.path.remove(str(root))
    if failures:
        raise CatalogueError("\n".join(failures))

    seen = set()
    for imported_by, context in reversed(entries):
        func = inspect.unwrap(context.step_func)
        path, line = _where(func)
        layer = layer_of.get(path, imported_by) if path else imported_by
        sentence = Sentence(
            KEYWORDS.get(context.type, "any"),
            context.parser.name,
            _description(func),
            f"{_relative(path, root)}:{line}" if path else "(unknown)",
            func.__name__,
        )
        key = (layer.name, sentence)
        if key in seen:
            continue
        seen.add(key)
        layer.sentences.append(sentence)
    for layer in found:
        position = {_relative(p.resolve(), root): i for i, p in enumerate(layer.files)}
        # Stable sort by file and line: stacked decorators keep their top-to-bottom order
        # (entries were visited last registered first), and a prefixed form of a sentence
        # defined by the same function (`N 秒以内に` + S) comes after S.
        at = {}
        for s in layer.sentences:
            at.setdefault(s.location, []).append(s.pattern)
        layer.sentences.sort(
            key=lambda s: (
                *_sort_key(s, root, position),
                any(p != s.pattern and s.pattern.endswith(p) for p in at[s.location]),
            )
        )
    return found


def _root_on_path(root: Path) -> bool:
    """Put the root on sys.path (step modules import `oat`, `fixtures`, `steps`); True if added."""
    if str(root) in sys.path:
        return False
    sys.path.insert(0, str(root))
    return True


def _import(path: Path, root: Path):
    """Import one step module from its file under a private name (so a module pytest already
    loaded is read afresh, and a folder needs no __init__.py)."""
    name = f"_oat_catalogue_{next(_imports)}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and typing look the module up while it runs
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # also pytest's skip/exit outcomes and SystemExit
        sys.modules.pop(name, None)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise CatalogueError(_failure(path, root, exc)) from exc
    return module


def _failure(path: Path, root: Path, exc: BaseException) -> str:
    """`file:line: cannot be imported: Error: message`, the line being where in this file it
    went wrong (the syntax error, or the statement that raised)."""
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).resolve() == path.resolve():
        line, text = exc.lineno, exc.msg
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path.resolve()]
        line, text = (frames[-1].lineno if frames else None), str(exc)
    text = " ".join(str(text).split()) or "(no message)"
    where = _relative(path.resolve(), root) + (f":{line}" if line else "")
    return f"{where}: cannot be imported: {type(exc).__name__}: {text}"


def _where(func) -> tuple[Path | None, int]:
    try:
        source = inspect.getsourcefile(func)
    except TypeError:
        source = None
    code = getattr(func, "__code__", None)
    return (Path(source).resolve() if source else None), (code.co_firstlineno if code else 0)


def defined_at(step_func, root: Path | None = None) -> str:
    """file:line of a step function (through decorators such as `oat.safety.disruptive`),
    relative to the project or to where oat lies, as the catalogue shows it."""
    path, line = _where(inspect.unwrap(step_func))
    return f"{_relative(path, (root or ROOT).resolve())}:{line}" if path else "(unknown)"


def _description(func) -> str:
    doc = inspect.getdoc(func) or ""
    first = doc.strip().split("\n\n", 1)[0]
    return " ".join(first.split()) or NO_DESCRIPTION


def _relative(path: Path, root: Path) -> str:
    """Relative to the project, else to where the oat package lies (oat/vocabulary/…)."""
    for base in (root, VOCABULARY.parents[1]):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


def _sort_key(sentence: Sentence, root: Path, position: dict) -> tuple:
    file, _, line = sentence.location.rpartition(":")
    index = position.get(file, len(position))
    return index, file, int(line) if line.isdigit() else 0


def select(found: list[Layer], layer: str | None = None, grep: str | None = None) -> list[Layer]:
    """The layers (one, with `layer`: 汎用 may be written `generic`) with the sentences whose
    pattern, description or file contain `grep` (case-insensitive); empty layers dropped."""
    chosen = found
    if layer is not None:
        wanted = GENERIC if layer.casefold() == "generic" else layer
        chosen = [l for l in found if l.name.casefold() == wanted.casefold()]
        if not chosen:
            raise CatalogueError(f"no step layer '{layer}' (layers: {', '.join(l.name for l in found) or 'none'})")
    if grep:
        chosen = [Layer(l.name, l.source, l.files, [s for s in l.sentences if s.matches(grep)]) for l in chosen]
        chosen = [l for l in chosen if l.sentences]
    return chosen


def missing_descriptions(found: list[Layer]) -> list[Sentence]:
    return [s for layer in found for s in layer.sentences if s.description == NO_DESCRIPTION]


def display_width(text: str) -> int:
    """Columns a terminal gives the text (a CJK character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def render_text(found: list[Layer]) -> str:
    """Per layer a heading, then per sentence two lines: keyword and pattern; then the
    description and where it is defined."""
    out = []
    for layer in found:
        if out:
            out.append("")
        out.append(f"■ {layer.name} ({layer.source}): {len(layer.sentences)}")
        for s in layer.sentences:
            out.append(f"  {s.keyword}{' ' * (8 - display_width(s.keyword))}{s.pattern}")
            out.append(f"  {' ' * 8}{s.description}  [{s.location}]")
    return "\n".join(out) + "\n" if out else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


DOCUMENT_HEADER = """# ステップ一覧 (the step catalogue)

Every sentence a feature may use: the 汎用 vocabulary first, then each document folder's own.
Generated by `oat steps --format doc > docs/catalogue.md` (a unit test keeps it current).
`{name:q}` is a value in double quotes, `{n:d}` a number, `{seconds:Seconds}` a number of
seconds, whole or decimal (`5`, `2.5`), `{role:Role}` a role (unquoted),
`{names:qs}` one or more values in double quotes joined by と (`"127.0.0.1" と "primary"`),
`{client:Client}` an SQL client's name between spaces, or nothing (the first of
`oat/vocabulary/sql_clients.yaml`: PostgreSQL). A server, source or target field takes a
server's name or a role: a role of several servers means each of them (only a URL that a
fetch keeps, and a `{NAME.address}` placeholder, must name one server).

"""


def render_document(found: list[Layer]) -> str:
    """docs/catalogue.md: the tables of every layer under a title."""
    return DOCUMENT_HEADER + render_markdown(found)


def _defined(sentence: Sentence) -> str:
    """file::function for the document: it stays true when lines above the function move."""
    file = sentence.location.rpartition(":")[0] or sentence.location
    return f"{file}::{sentence.function}" if sentence.function else sentence.location


def render_markdown(found: list[Layer]) -> str:
    """A table per layer."""
    out = []
    for layer in found:
        out += [
            f"### {layer.name} (`{layer.source}`)",
            "",
            "| キーワード | 文 | 説明 | 定義 |",
            "| --- | --- | --- | --- |",
        ]
        for s in layer.sentences:
            out.append(f"| {s.keyword} | `{_cell(s.pattern)}` | {_cell(s.description)} | `{_defined(s)}` |")
        out.append("")
    return "\n".join(out)
