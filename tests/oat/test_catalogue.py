"""The step catalogue (`python -m oat.cli steps`): layers, keywords, descriptions, where each
step is defined, the filters, and a module that cannot be imported."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from oat import catalogue, cli
from oat.catalogue import CatalogueError

GENERIC = '''\
    """Generic steps (test module)."""
    import functools

    from pytest_bdd import given, parsers, step, then, when


    def disruptive(func):
        @functools.wraps(func)
        def guarded(*args, **kwargs):
            return func(*args, **kwargs)
        return guarded


    def check(sentence):
        """Register a check as written and with a deadline, like the generic check decorator."""
        def decorator(func):
            then(sentence, stacklevel=2)(func)
            then(parsers.parse("{seconds:d} 秒以内に" + sentence), stacklevel=2)(func)
            return func
        return decorator


    @given("サーバが用意されている")
    def servers_ready():
        """The lab's servers exist and answer.

        More detail that is not part of the description."""


    @when(parsers.parse("{server} を再起動する"))
    @disruptive
    def reboot(server):
        """Reboot a server as an operator would:
        systemctl reboot."""


    @step(parsers.re(r"(?P<part>\\S+) を停止する"))
    def stop(part):
        pass


    @check("全てのサーバが起動している")
    def all_up():
        """Every server is up."""
    '''

DOCUMENT = '''\
    from pytest_bdd import then


    @then("デモの画面が表示される")
    def demo_screen():
        """The demo's screen."""
    '''

TOP_LEVEL = '''\
    from pytest_bdd import when


    @when("古い場所の手順を実行する")
    def old_place():
        """A document step not moved yet."""
    '''


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


@pytest.fixture
def project(tmp_path):
    generic = _write(tmp_path / "oat" / "vocabulary" / "common.py", GENERIC)
    _write(tmp_path / "features" / "demo" / "steps" / "demo.py", DOCUMENT)
    _write(tmp_path / "features" / "demo" / "01_demo.feature", "# language: ja\n機能: デモ\n")
    (tmp_path / "features" / "plain").mkdir(parents=True)  # a folder with no steps of its own
    _write(tmp_path / "steps" / "old.py", TOP_LEVEL)
    return tmp_path, generic


def _sentences(found, layer):
    return [s for l in found if l.name == layer for s in l.sentences]


def test_layers_come_in_order_generic_then_each_document_then_the_old_place(project):
    root, _ = project
    found = catalogue.load(root, root / "oat" / "vocabulary")
    assert [(l.name, l.source) for l in found] == [
        ("汎用", "oat/vocabulary/*.py"),
        ("demo", "features/demo/steps/*.py"),
        ("steps", "steps/*.py"),
    ]
    assert [s.pattern for s in _sentences(found, "demo")] == ["デモの画面が表示される"]
    assert [s.pattern for s in _sentences(found, "steps")] == ["古い場所の手順を実行する"]


def test_keyword_pattern_description_and_location(project):
    root, generic = project
    by_pattern = {s.pattern: s for s in _sentences(catalogue.load(root, root / "oat" / "vocabulary"), "汎用")}
    ready = by_pattern["サーバが用意されている"]
    assert (ready.keyword, ready.description) == ("前提", "The lab's servers exist and answer.")
    assert ready.location == f"oat/vocabulary/common.py:{_line(generic, '@given(')}"
    reboot = by_pattern["{server} を再起動する"]  # through a functools.wraps decorator
    assert reboot.keyword == "もし"
    assert reboot.description == "Reboot a server as an operator would: systemctl reboot."
    assert reboot.location == f"oat/vocabulary/common.py:{_line(generic, '@when(')}"
    stop = by_pattern[r"(?P<part>\S+) を停止する"]
    assert (stop.keyword, stop.description) == ("any", "(no description)")


def test_a_check_registered_twice_lists_both_sentences_at_its_definition(project):
    root, generic = project
    found = _sentences(catalogue.load(root, root / "oat" / "vocabulary"), "汎用")
    checks = [s for s in found if s.pattern.endswith("全てのサーバが起動している")]
    assert sorted(s.pattern for s in checks) == [
        "{seconds:d} 秒以内に全てのサーバが起動している",
        "全てのサーバが起動している",
    ]
    assert {(s.keyword, s.description, s.location) for s in checks} == {
        ("ならば", "Every server is up.", f"oat/vocabulary/common.py:{_line(generic, '@check(')}")
    }
    # In the order of the file.
    lines = [int(s.location.rpartition(":")[2]) for s in found]
    assert lines == sorted(lines)


def test_filters_by_layer_and_text(project):
    root, _ = project
    found = catalogue.load(root, root / "oat" / "vocabulary")
    assert [l.name for l in catalogue.select(found, layer="generic")] == ["汎用"]
    assert [l.name for l in catalogue.select(found, layer="DEMO")] == ["demo"]
    with pytest.raises(CatalogueError, match=r"no step layer 'nginx' \(layers: 汎用, demo, steps\)"):
        catalogue.select(found, layer="nginx")
    hits = catalogue.select(found, grep="再起動")
    assert [(l.name, [s.pattern for s in l.sentences]) for l in hits] == [("汎用", ["{server} を再起動する"])]
    by_description = catalogue.select(found, grep="OPERATOR")  # case-insensitive, in the description
    assert [s.pattern for l in by_description for s in l.sentences] == ["{server} を再起動する"]
    assert [l.name for l in catalogue.select(found, grep="features/demo")] == ["demo"]
    assert catalogue.select(found, layer="demo", grep="再起動") == []


def test_text_and_markdown(project):
    root, _ = project
    found = catalogue.select(catalogue.load(root, root / "oat" / "vocabulary"), layer="汎用")
    text = catalogue.render_text(found).splitlines()
    assert text[0] == "■ 汎用 (oat/vocabulary/*.py): 5"
    assert text[1] == "  前提    サーバが用意されている"
    assert text[2].strip().startswith("The lab's servers exist and answer.  [oat/vocabulary/common.py:")
    markdown = catalogue.render_markdown(found).splitlines()
    assert markdown[:4] == [
        "### 汎用 (`oat/vocabulary/*.py`)",
        "",
        "| キーワード | 文 | 説明 | 定義 |",
        "| --- | --- | --- | --- |",
    ]
    assert any(row.startswith("| any | `(?P<part>\\S+) を停止する` | (no description) |") for row in markdown)


def test_a_broken_module_is_one_line_naming_its_file_and_line(project):
    root, _ = project
    _write(root / "features" / "demo" / "steps" / "broken.py", "from pytest_bdd import when\n\nundefined_name()\n")
    _write(root / "oat" / "vocabulary" / "syntax.py", "def (:\n")
    with pytest.raises(CatalogueError) as caught:
        catalogue.load(root, root / "oat" / "vocabulary")
    assert str(caught.value).splitlines() == [
        "oat/vocabulary/syntax.py:1: cannot be imported: SyntaxError: invalid syntax",
        "features/demo/steps/broken.py:3: cannot be imported: NameError: name 'undefined_name' is not defined",
    ]


def test_the_command(project, monkeypatch, capsys):
    root, _ = project
    monkeypatch.setattr(catalogue, "ROOT", root)
    assert cli.main(["steps", "--layer", "demo", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### demo (`features/demo/steps/*.py`)\n")
    assert (
        "| ならば | `デモの画面が表示される` | The demo's screen. | `features/demo/steps/demo.py::demo_screen` |" in out
    )
    assert cli.main(["steps", "--grep", "存在しない文"]) == 1
    assert capsys.readouterr().err == "oat: no step sentence matches\n"
    _write(root / "features" / "demo" / "steps" / "broken.py", "import no_such_module_here\n")
    assert cli.main(["steps"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "oat: features/demo/steps/broken.py:1: cannot be imported: ModuleNotFoundError: "
        "No module named 'no_such_module_here'\n"
    )


# The real repository.


@pytest.fixture(scope="module")
def repo_layers():
    return catalogue.load()


def test_the_repository_lists_its_steps(repo_layers):
    assert sum(len(layer.sentences) for layer in repo_layers) > 0
    assert repo_layers[0].name == "汎用"


def test_every_repository_step_has_a_description(repo_layers):
    """All steps without a docstring, in one message."""
    missing = catalogue.missing_descriptions(repo_layers)
    if missing:
        pytest.fail(
            f"{len(missing)} step(s) without a docstring:\n"
            + "\n".join(f"  {s.location}  {s.keyword} {s.pattern}" for s in missing),
            pytrace=False,
        )


def test_the_catalogue_in_docs_is_the_generated_one(repo_layers):
    written = (catalogue.ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8")
    assert written == catalogue.render_document(repo_layers) + "\n", (
        "docs/catalogue.md is out of date: oat steps --format doc > docs/catalogue.md"
    )
