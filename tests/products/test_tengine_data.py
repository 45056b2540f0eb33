"""Use case 000's product data (lab/products/tengine.yaml and the files beside it) against the
steps that read it (features/tengine/steps), without a lab: every key the steps read exists,
every key of the data is read by something, every {{ key }} renders on the tengine lab, every
{field} is one its step fills, and the steps' values are quoted as commands and SQL need."""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path
from types import SimpleNamespace

import pytest

from features.tengine.steps import TYPES, fields_of, plain, shell, sql
from oat import catalogue
from oat.errors import LabError
from oat.model.parts import Parts
from oat.model.products import Product
from oat.model.relocation import Relocation
from oat.model.topology import load

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = Product(ROOT / "lab" / "products" / "tengine.yaml")
FILES = PRODUCT.path.with_suffix("")  # lab/products/tengine: templates, the job script, jobnets
STEPS = sorted((ROOT / "features" / "tengine" / "steps").glob("*.py"))

# A placeholder of the data, not a Go template of a command ({{.Names}}).
PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s.][^{}\s]*)\s*\}\}")

# The fields each step fills in a key's text (a list's items share them).
FILLED = {
    "platform.resource_line": {"field"},
    "platform.export_image": {"image"},
    "platform.create": {"name", "ssh_port", "image"},
    "platform.list": {"name"},
    "platform.running": {"name"},
    "db.query": {"sql"},
    "db.queries.events_since": {"since"},
    "db.queries.event_by_key": {"key"},
    "db.queries.last_execution": {"jobnet"},
    "db.queries.job_finished_events": {"jobnet"},
    "scm.register.clone": {"work", "server"},
    "scm.register.into": {"work"},
    "scm.register.push": {"work", "server"},
    "scm.register.clean": {"work"},
    "core.load_success": {"count"},
    "core.run": {"jobnet"},
    "core.fire": {"event"},
    "core.job_server_entry.name": {"name"},
}
COMMANDS = [
    "platform.export_image",
    "platform.create",
    "platform.list",
    "db.query",
    "scm.register.clone",
    "scm.register.push",
    "scm.register.clean",
    "core.run",
    "core.fire",
    "job_server.login_setup",
    "job_server.trust_host_key",
    "job_server.login",
    "job_server.agent_log_tail",
]
# Helpers of the steps whose string argument names a key under a prefix.
HELPERS = {"db_query": "db.queries", "console_url": "console.paths", "_element": "console.selectors"}
READ_ELSEWHERE = {"parts", "inventory"}  # oat.model.parts and oat.versions read these


def leaves(node, prefix=""):
    """(dotted key, value) of every value of the data that is not a mapping; list items
    keep their list's key."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, list):
        for item in node:
            yield from leaves(item, prefix)
    else:
        yield prefix, node


def strings(node, prefix=""):
    return [(key, value) for key, value in leaves(node, prefix) if isinstance(value, str)]


def keys_read_by_steps() -> set[str]:
    """The keys the step modules read: product["a.b"], the constant part of product[f"a.{x}"],
    and the key a helper's string argument names (db_query(..., "events_since"))."""
    found = set()
    for path in STEPS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "product":
                index = node.slice
                if isinstance(index, ast.Constant) and isinstance(index.value, str):
                    found.add(index.value)
                elif isinstance(index, ast.JoinedStr) and isinstance(index.values[0], ast.Constant):
                    prefix = index.values[0].value.rstrip(".")
                    if prefix not in HELPERS.values():  # a helper's calls name their keys
                        found.add(prefix)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in HELPERS:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(f"{HELPERS[node.func.id]}.{arg.value}")
    return found


@pytest.fixture(scope="module")
def parts():
    topology = load(ROOT / "lab" / "topologies" / "tengine.yaml")
    return Parts(PRODUCT, SimpleNamespace(topology=topology, relocation=Relocation()))


def test_every_key_the_steps_read_exists():
    read = keys_read_by_steps()
    assert len(read) > 60, f"the scan found only {len(read)} keys: {sorted(read)}"
    missing = []
    for key in sorted(read):
        try:
            PRODUCT[key]
        except LabError as exc:
            missing.append(str(exc))
    assert not missing, "\n".join(missing)


def test_every_key_of_the_data_is_read():
    """No dead data: each key is read by a step (itself or a mapping above it), named by a
    placeholder of the data or of a file beside it, or read by oat or the benchmarks."""
    read = keys_read_by_steps()
    texts = [value for _, value in strings(PRODUCT._data)]
    texts += [p.read_text(encoding="utf-8") for p in FILES.rglob("*") if p.is_file()]
    placed = {m.group(1) for t in texts for m in PLACEHOLDER.finditer(t)}
    bench = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bench").glob("*.py"))
    unread = []
    for key, _ in leaves(PRODUCT._data):
        dotted = key.split(".")
        above = {".".join(dotted[:i]) for i in range(1, len(dotted) + 1)}
        if above & (read | placed | READ_ELSEWHERE) or f'"{key}"' in bench:
            continue
        unread.append(key)
    assert not unread, f"keys nothing reads: {sorted(set(unread))}"


def test_every_placeholder_of_the_data_renders_on_the_tengine_lab(parts):
    for key, value in strings(PRODUCT._data):
        for match in PLACEHOLDER.finditer(value):
            assert parts.render(match.group(0)), f"{key}: {match.group(0)} renders empty"


def test_every_file_beside_the_data_renders(parts):
    for path in sorted(p for p in FILES.rglob("*") if p.is_file()):
        rendered = parts.template(str(path.relative_to(FILES)))
        assert not PLACEHOLDER.search(rendered), f"{path}: {PLACEHOLDER.search(rendered).group(0)} left"


def test_every_field_of_the_data_is_one_its_step_fills():
    unfilled = []
    for key, value in strings(PRODUCT._data):
        extra = fields_of(value) - FILLED.get(key, set())
        if extra:
            unfilled.append(f"{key}: {', '.join(sorted(extra))} in '{value}'")
    assert not unfilled, "no step fills:\n" + "\n".join(unfilled)
    for key in FILLED:
        PRODUCT[key]


@pytest.mark.parametrize("key", COMMANDS)
def test_the_commands_are_shell_words_once_filled(parts, key):
    value = PRODUCT[key]
    for command in value if isinstance(value, list) else [value]:
        rendered = PLACEHOLDER.sub(lambda m: parts.render(m.group(0)), command)  # not {{.Names}}
        filled = shell(rendered, **{name: "it's a value" for name in FILLED.get(key, ())})
        words = shlex.split(filled)  # quotes balanced, and each value arrives whole
        assert words, f"{key}: '{filled}'"
        assert not fields_of(command) or "it's a value" in " ".join(words), f"{key}: '{filled}'"


def test_the_queries_keep_a_value_inside_its_quotes():
    query = sql(PRODUCT["db.queries.event_by_key"], key="x' OR '1'='1")
    assert query.endswith("key = 'x'' OR ''1''=''1'")
    # ...and the query reaches psql as one word.
    command = shell(PRODUCT["db.query"], sql=query)
    assert shlex.split(command)[-1] == query


def test_the_fields_and_what_is_not_a_field():
    assert shell("git -C {work}/x", work="/tmp/a b") == "git -C '/tmp/a b'/x"
    assert plain("loaded {count} jobnets", count=2) == "loaded 2 jobnets"
    text = "echo ${HOME} {{.Names}} {{ db.user }}"
    assert fields_of(text) == set() and plain(text) == text
    with pytest.raises(LabError, match=r"no value for \{jobnet\}"):
        shell(PRODUCT["core.run"])


def test_the_causes_a_sentence_may_name_are_those_of_the_data():
    assert set(TYPES["Cause"].pattern.split("|")) == set(PRODUCT["core.failure_words"])
    assert set(PRODUCT["core.failure_part"]) <= set(PRODUCT["parts"])


def test_the_job_server_entry_names_its_server():
    assert "{name}" in PRODUCT["core.job_server_entry"].values()


def test_the_steps_are_literal_sentences_with_descriptions():
    layer = next(l for l in catalogue.load(ROOT) if l.name == "tengine")
    assert layer.sentences
    for sentence in layer.sentences:
        assert "(?P<" not in sentence.pattern and "\\" not in sentence.pattern, sentence.pattern
        assert sentence.description != catalogue.NO_DESCRIPTION, sentence.pattern
        assert "\n" not in sentence.description


def test_only_the_passwords_are_secrets():
    """Every value under a key named *password* is masked in all evidence and must never
    appear in a support report: no key of the steps' data may be named so by accident."""
    assert sorted(PRODUCT.secrets()) == sorted(
        [PRODUCT["db.password"], PRODUCT["queue.password"], PRODUCT["console.operator.password"]]
    )
