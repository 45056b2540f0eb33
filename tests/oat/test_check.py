"""`oat check`: every step of a project's features defined, checked without a lab.

The command runs as a user runs it (`python -m oat.cli check` in the project's folder, a fresh
process with no reachable Docker engine), on projects made here with their own pytest.ini and
features/ folder; the text functions behind its suggestions are checked directly.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from oat import check
from oat.check import Definition, Problem

ROOT = Path(__file__).resolve().parents[2]
NO_ENGINE = "unix:///nonexistent/oat-check-has-no-engine.sock"

FEATURE = """\
    # language: ja
    機能: 値をつなげる

      シナリオ: 三回つなげる
        前提 値 "ab" を用意する
        ならば 値 "ab" を 3 回つなげると "ababab" になる
    """

STEPS = '''\
    """The demo's own steps."""
    from pytest_bdd import given, parsers


    @given(parsers.parse('値 "{value}" を用意する'), target_fixture="value")
    def prepared(value):
        """A value to work on."""
        return value
    '''

# Stands in for the engine check a run makes after collection (oat.plugin.lab: Labs.prepare
# pings the engine and removes labs of dead runs), so that the run of a project whose steps use
# no server touches no Docker engine on this machine. Any other connection would still fail:
# DOCKER_HOST names no engine.
NO_ENGINE_PLUGIN = """\
from oat.plugin import lab


def _prepare(self, folders):
    print(f"[test] no engine asked for {folders}")


lab.Labs.prepare = _prepare
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    _write(tmp_path / "pytest.ini", "[pytest]\npythonpath = .\n")
    _write(tmp_path / "features" / "demo" / "01_demo.feature", FEATURE)
    _write(tmp_path / "features" / "demo" / "steps" / "demo.py", STEPS)
    _write(
        tmp_path / "features" / "demo" / "conftest.py", "from features.demo.steps.demo import *  # noqa: F401,F403\n"
    )
    _write(tmp_path / "no_engine.py", NO_ENGINE_PLUGIN)
    return tmp_path


def _env() -> dict[str, str]:
    env = {**os.environ, "DOCKER_HOST": NO_ENGINE, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    return env


def oat_check(cwd: Path, *paths: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "oat.cli", "check", *paths],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_pytest(project: Path) -> subprocess.CompletedProcess:
    env = {**_env(), "PYTHONPATH": str(project)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no_engine", "-p", "no:cacheprovider", "features"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _snippet(output: str) -> str:
    """The import line and the step definitions that `oat check` printed."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("from pytest_bdd import"))
    end = next(i for i, line in enumerate(lines) if line.startswith("oat check:"))
    return "\n".join(lines[start:end]).strip() + "\n"


def test_an_undefined_step_then_its_snippet_pasted_and_filled_in_passes(project):
    result = oat_check(project)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    head = 'features/demo/01_demo.feature:6: ならば 値 "ab" を 3 回つなげると "ababab" になる (undefined)'
    assert head in out.splitlines(), out
    after = out.splitlines()[out.splitlines().index(head) + 1 :][:3]
    assert after[0].startswith("    nearest: ") and all(re.search(r"  \[[\w/.]+\.py:\d+\]$", line) for line in after), (
        out
    )
    given_at = _line(project / "features" / "demo" / "steps" / "demo.py", "@given(")
    assert any(f'値 "{{value}}" を用意する  [features/demo/steps/demo.py:{given_at}]' in line for line in after), out
    assert (
        "# Paste into a steps file of features/demo/steps/ that features/demo/conftest.py imports "
        "(features/demo/steps/demo.py)." in out
    )
    snippet = _snippet(out)
    assert snippet.startswith("from pytest_bdd import parsers, then\n"), snippet
    assert (
        '@then(parsers.parse(\'値 "{arg1}" を {n:d} 回つなげると "{arg2}" になる\'))\n'
        "def _(arg1: str, n: int, arg2: str):\n" in snippet
    ), snippet
    assert "raise NotImplementedError(" in snippet
    assert out.splitlines()[-1].startswith("oat check: 1 feature file, 1 scenario, 2 steps: 1 undefined, 0 ambiguous")

    # Pasted as printed: the step is defined, and a run calls it (and fails on its body).
    steps = project / "features" / "demo" / "steps" / "demo.py"
    steps.write_text(steps.read_text(encoding="utf-8") + "\n\n" + snippet, encoding="utf-8")
    defined = oat_check(project)
    assert defined.returncode == 0, defined.stdout + defined.stderr
    assert defined.stdout.splitlines()[-1].startswith(
        "oat check: 1 feature file, 1 scenario, 2 steps: every step is defined"
    ), defined.stdout
    unfinished = run_pytest(project)
    assert unfinished.returncode == 1 and "NotImplementedError" in unfinished.stdout, unfinished.stdout

    # Filled in: the run passes, without a lab.
    filled = re.sub(r"raise NotImplementedError\(.*\)", "assert arg1 * n == arg2", steps.read_text(encoding="utf-8"))
    steps.write_text(filled, encoding="utf-8")
    assert oat_check(project).returncode == 0
    run = run_pytest(project)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"\b1 passed\b", run.stdout), run.stdout


def test_the_default_is_the_features_of_the_project_found_upward(project):
    result = oat_check(project / "features" / "demo" / "steps")
    one = oat_check(project, "features/demo/01_demo.feature")
    for found in (result, one):
        assert found.returncode == 1, found.stdout + found.stderr
        assert found.stdout.startswith("features/demo/01_demo.feature:6: ならば 値 "), found.stdout


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_an_ambiguous_step_names_every_definition(project):
    steps = _write(
        project / "features" / "demo" / "steps" / "demo.py",
        STEPS.replace("import given, parsers", "import given, parsers, then")
        + textwrap.indent(
            textwrap.dedent('''


        @then(parsers.parse('値 "{value}" を {n:d} 回つなげると "{text}" になる'))
        def joined(value, n, text):
            """Joined."""


        @then(parsers.parse('{what} "{value}" を {n:d} 回つなげると "{text}" になる'))
        def joined_too(what, value, n, text):
            """Joined as well."""
        '''),
            "    ",
        ),
    )
    first, second = _line(steps, "@then(parsers.parse('値"), _line(steps, "@then(parsers.parse('{what}")
    result = oat_check(project)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        'features/demo/01_demo.feature:6: ならば 値 "ab" を 3 回つなげると "ababab" になる '
        f"(ambiguous: features/demo/steps/demo.py:{first}, features/demo/steps/demo.py:{second})"
    )
    assert (
        lines[1]
        == f'    ならば  値 "{{value}}" を {{n:d}} 回つなげると "{{text}}" になる  [features/demo/steps/demo.py:{first}]'
    )
    assert "NotImplementedError" not in result.stdout  # no snippet: the sentence exists, twice


def test_steps_of_another_folder_are_not_seen(project):
    """As a run looks them up: only the 汎用 sentences and the folder's own."""
    _write(
        project / "features" / "other" / "conftest.py",
        textwrap.dedent('''\
        from pytest_bdd import parsers, then


        @then(parsers.parse('値 "{value}" を {n:d} 回つなげると "{text}" になる'))
        def joined(value, n, text):
            """Joined, elsewhere."""
        '''),
    )
    result = oat_check(project, "features/demo")
    assert result.returncode == 1
    assert "(undefined)" in result.stdout and "features/other" not in result.stdout


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["features/nope"], "oat: features/nope: no such file or folder"),
        (["pytest.ini"], "oat: pytest.ini: not in the project's features folder ({root}/features)"),
        (
            ["features/demo/steps/demo.py"],
            "oat: features/demo/steps/demo.py: not a feature file of a folder features/<procedure>/",
        ),
    ],
)
def test_bad_paths_are_one_line_and_exit_2(project, args, line):
    result = oat_check(project, *args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", line.format(root=project) + "\n")


def test_outside_a_project(tmp_path):
    result = oat_check(tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr == f"oat: no pytest.ini in {tmp_path} or above: run oat check inside a project, "
        "or name its features\n"
    )


def test_a_feature_that_does_not_parse_is_one_line_naming_its_file_and_line(project):
    feature = project / "features" / "demo" / "01_demo.feature"
    feature.write_text(feature.read_text(encoding="utf-8") + "    これはステップではない\n", encoding="utf-8")
    result = oat_check(project)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("oat: features/demo/01_demo.feature:7: does not parse: expected: ")
    assert result.stderr.endswith("got 'これはステップではない'\n") and result.stderr.count("\n") == 1


def test_a_steps_module_that_cannot_be_imported_is_one_line(project):
    steps = project / "features" / "demo" / "steps" / "demo.py"
    steps.write_text(steps.read_text(encoding="utf-8") + "\nundefined_name()\n", encoding="utf-8")
    result = oat_check(project)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"oat: features/demo/steps/demo.py:{_line(steps, 'undefined_name')}: cannot be imported: "
        "NameError: name 'undefined_name' is not defined\n"
    )


def test_secrets_need_no_values_but_must_be_declared(project):
    _write(project / "pytest.ini", "[pytest]\npythonpath = .\noat_secrets =\n    DB_PASSWORD\n")
    feature = project / "features" / "demo" / "01_demo.feature"
    feature.write_text(
        feature.read_text(encoding="utf-8").replace('値 "ab" を用意する', '値 "{secret.DB_PASSWORD}" を用意する'),
        encoding="utf-8",
    )
    assert oat_check(project).returncode == 1  # the undefined step only: no value needed to check
    feature.write_text(feature.read_text(encoding="utf-8").replace("DB_PASSWORD", "DB_PASS"), encoding="utf-8")
    result = oat_check(project)
    assert result.returncode == 2
    assert result.stderr.startswith("oat: features/demo/01_demo.feature:5: {secret.DB_PASS} names no declared secret")


def test_this_repository_has_every_step_defined_in_a_few_seconds():
    started = time.monotonic()
    result = oat_check(ROOT)
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every step is defined" in result.stdout.splitlines()[-1]
    assert seconds < 30, f"oat check took {seconds:.1f} s"


def test_collecting_only_prepares_no_lab():
    """oat check relies on it: under --collect-only the plugin's collection hook returns before
    it looks at the items, the engine or the inventory."""
    from types import SimpleNamespace

    from oat.plugin import lab

    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f"a collect-only run reached {name}")

    session = SimpleNamespace(
        config=SimpleNamespace(option=SimpleNamespace(collectonly=True), stash=Untouchable()), items=Untouchable()
    )
    assert lab.pytest_collection_finish(session) is None


# The text behind the suggestions.


def _problem(written: str, type_: str = "when", keyword: str = "もし", **kwargs) -> Problem:
    return Problem(
        where="features/x/01.feature:12",
        keyword=keyword,
        text=written,
        written=written,
        type=type_,
        folder="features/x",
        **{"docstring": False, "datatable": False, **kwargs},
    )


def test_quoted_values_become_text_fields_and_numbers_number_fields():
    assert check.skeleton_pattern('"web" で 30 秒待ってから "a b" を 2 回送る') == (
        '"{arg1}" で {n:d} 秒待ってから "{arg2}" を {n2:d} 回送る',
        [("arg1", "str"), ("n", "int"), ("arg2", "str"), ("n2", "int")],
    )
    # A number inside a word or a version stays text; braces are doubled for parse.
    assert check.skeleton_pattern("web1 に v1.2 を {x} で入れる")[0] == "web1 に v1.2 を {{x}} で入れる"
    # An outline's columns: a number field when the example's value is one.
    assert check.skeleton_pattern('<秒> 秒以内に "<名前>" と <種類> がある', {"秒": "5", "名前": "a", "種類": "b"}) == (
        '{n:d} 秒以内に "{arg1}" と {arg2} がある',
        [("n", "int"), ("arg1", "str"), ("arg2", "str")],
    )


def test_the_skeleton_is_python_that_pytest_bdd_reads(tmp_path):
    code = check.skeleton(_problem('"web" で 3 回待つ', "given", "かつ", docstring=True))
    assert code.splitlines() == [
        "@given(parsers.parse('\"{arg1}\" で {n:d} 回待つ'))",
        "def _(arg1: str, n: int, docstring: str):",
        '    """TODO: what this step does, in one line (oat steps shows it)."""',
        "    raise NotImplementedError('features/x/01.feature:12: かつ \"web\" で 3 回待つ')",
    ]
    from pytest_bdd import parsers

    namespace = {"given": lambda parser: lambda func: (parser, func), "parsers": parsers}
    exec(compile(code, "snippet", "exec"), namespace)  # noqa: S102 - the text printed is Python
    parser, func = namespace["_"]
    assert parser.parse_arguments('"db" で 12 回待つ') == {"arg1": "db", "n": 12}


def test_the_nearest_sentences_come_first_one_per_step_function():
    candidates = [
        Definition("もし", '"{server:q}" でサービス "{unit:q}" を再起動する', "oat/vocabulary/services.py:49"),
        Definition("ならば", '"{server:q}" でサービス "{unit:q}" が起動している', "oat/vocabulary/services.py:61"),
        Definition(
            "ならば",
            '{seconds:d} 秒以内に "{server:q}" でサービス "{unit:q}" が起動している',
            "oat/vocabulary/services.py:61",
        ),
        Definition("もし", '"{url:q}" を取得する', "oat/vocabulary/http.py:130"),
        Definition("ならば", "HTTP ステータスが {status:d} である", "oat/vocabulary/http.py:142"),
    ]
    found = check.nearest('"web" でサービス "nginx" を再起動した', "when", candidates)
    assert [d.location for d in found] == [
        "oat/vocabulary/services.py:49",
        "oat/vocabulary/services.py:61",
        "oat/vocabulary/http.py:130",
    ]
    assert (
        check.similarity('"web" でサービス "nginx" を再起動する', '"{server:q}" でサービス "{unit:q}" を再起動する')
        == 1.0
    )
