"""Every step of every feature has a step definition that its scenario can see.

The check collects the features with pytest (`--collect-only`: no scenario runs, and
oat/plugin/lab.py neither makes a lab nor asks the engine) and then asks pytest-bdd, for each
collected scenario, which step definitions can parse each of its steps and are visible to
that test item (`pytest_bdd.scenario.find_fixturedefs_for_step`, the lookup a run does
before it calls a step). A Scenario Outline is checked once per example row, with the
row's values in the steps, as it will run. A scenario of a `.feature` file that no test
binds is reported too.

Run it by hand to see what is missing (one line per step: feature file, line, step):

    .venv/bin/python tests/oat/test_steps_defined.py [features/NAME ...]

(`pytest --generate-missing` checks the outline steps with their `<placeholders>`
unrendered, so a `{seconds:d}` step in an outline would be reported missing; hence this.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NO_ENGINE = "unix:///nonexistent/oat-steps-defined-has-no-engine.sock"


def _defined_at(fixturedef) -> str:
    """file:line of the step function behind a step fixture."""
    import inspect

    from pytest_bdd.steps import step_function_context_registry

    function = inspect.unwrap(step_function_context_registry[fixturedef.func].step_func)
    return f"{Path(inspect.getsourcefile(function)).name}:{function.__code__.co_firstlineno}"


class UndefinedSteps:
    """pytest plugin: after collection, every step without a visible definition, and every
    scenario of the given feature paths bound to no test."""

    def __init__(self, paths: list[str]):
        self.paths = paths
        self.problems: list[str] = []

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        from pytest_bdd.feature import get_features
        from pytest_bdd.scenario import find_fixturedefs_for_step, scenario_wrapper_template_registry

        fixturemanager = session._fixturemanager
        bound, seen = set(), set()
        for item in session.items:
            template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
            if template is None:
                continue
            feature = os.path.realpath(template.feature.filename)
            bound.add((feature, template.line_number))
            callspec = getattr(item, "callspec", None)
            example = callspec.params.get("_pytest_bdd_example", {}) if callspec else {}
            scenario = template.render(example)
            for step in scenario.steps:
                key = (feature, step.line_number, step.name)
                if key in seen:
                    continue
                seen.add(key)
                found = {
                    _defined_at(fixturedef) for fixturedef in find_fixturedefs_for_step(step, fixturemanager, item)
                }
                if not found:
                    self.problems.append(
                        f"{self._where(feature)}:{step.line_number}: {step.keyword.strip()} "
                        f"{step.name}  (シナリオ「{scenario.name}」: no step definition)"
                    )
                elif len(found) > 1:  # which one runs would depend on fixture order
                    self.problems.append(
                        f"{self._where(feature)}:{step.line_number}: {step.keyword.strip()} "
                        f"{step.name}  (シナリオ「{scenario.name}」: matched by {len(found)} "
                        f"definitions: {', '.join(sorted(found))})"
                    )
        for feature in get_features([str(Path(p).resolve()) for p in self.paths]):
            for template in feature.scenarios.values():
                filename = os.path.realpath(feature.filename)
                if (filename, template.line_number) not in bound:
                    self.problems.append(
                        f"{self._where(filename)}:{template.line_number}: シナリオ「{template.name}」"
                        " is bound to no test"
                    )

    @staticmethod
    def _where(path: str) -> str:
        try:
            return Path(path).relative_to(Path.cwd()).as_posix()
        except ValueError:
            return path


def main(paths: list[str]) -> int:
    """Collect `paths` (default: features) and print each undefined step; 1 if any."""
    paths = paths or ["features"]
    plugin = UndefinedSteps(paths)
    code = pytest.main([*paths, "--collect-only", "-qq", "-p", "no:cacheprovider"], plugins=[plugin])
    for line in plugin.problems:
        print(line)
    if plugin.problems:
        print(f"{len(plugin.problems)} problem(s): steps without a definition or scenarios bound to no test")
        return 1
    return int(code)


def check(paths: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run the check in a fresh interpreter (a pytest session of its own) with no reachable
    Docker engine, so that nothing it loads could make or touch a lab."""
    env = {**os.environ, "DOCKER_HOST": NO_ENGINE, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *paths],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_feature_step_has_a_definition():
    started = time.monotonic()
    result = check(["features"], ROOT)
    seconds = time.monotonic() - started
    assert result.returncode == 0, f"undefined steps or a collection error:\n{result.stdout}{result.stderr}"
    assert seconds < 30, f"the check took {seconds:.1f} s"


FEATURE = """\
    # language: ja
    機能: デモ

      シナリオ: 定義のある手順とない手順
        前提 サーバが用意されている
        もし 定義のない手順を実行する
        ならば 3 秒以内に準備ができている

      シナリオアウトライン: 例の値で描かれた手順
        前提 サーバが用意されている
        ならば <秒> 秒以内に準備ができている

        例:
          | 秒 |
          | 5  |
    """

STEPS = """\
    from pytest_bdd import given, parsers, then

    @given("サーバが用意されている")
    def _():
        pass

    @then(parsers.parse("{seconds:d} 秒以内に準備ができている"))
    def _(seconds):
        pass
    """


def _project(tmp_path: Path, feature: str = FEATURE) -> Path:
    # A plain pytest-bdd project: scenarios bound by its test_*.py, not oat's .feature collector.
    # (Run from tests/, the check's interpreter found tests/oat before the installed oat and so
    # never loaded the plugin; from tests/oat/ it does, hence `-p no:oat`.)
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -p no:oat\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text(textwrap.dedent(STEPS), encoding="utf-8")
    demo = tmp_path / "features" / "demo"
    demo.mkdir(parents=True)
    (demo / "demo.feature").write_text(textwrap.dedent(feature), encoding="utf-8")
    (demo / "test_demo.py").write_text(
        'from pytest_bdd import scenarios\n\nscenarios("demo.feature")\n', encoding="utf-8"
    )
    return tmp_path


def test_an_undefined_step_is_named_with_its_feature_and_line(tmp_path):
    result = check(["features"], _project(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    problems = [line for line in result.stdout.splitlines() if ".feature:" in line]
    assert problems == [
        "features/demo/demo.feature:6: もし 定義のない手順を実行する  "
        "(シナリオ「定義のある手順とない手順」: no step definition)"
    ], result.stdout
    # The outline's step is checked with its example's value (5), which `{seconds:d}` parses.


def test_a_project_whose_steps_are_all_defined_passes(tmp_path):
    project = _project(tmp_path, FEATURE.replace("    もし 定義のない手順を実行する\n", ""))
    result = check(["features"], project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ".feature:" not in result.stdout


def test_a_definition_in_another_folder_does_not_count(tmp_path):
    """Steps are looked up as the run looks them up: a conftest of another feature folder is
    not visible."""
    project = _project(tmp_path, FEATURE.replace("定義のない手順を実行する", "隣のフォルダの手順を実行する"))
    other = project / "features" / "other"
    other.mkdir()
    (other / "conftest.py").write_text(
        'from pytest_bdd import when\n\n\n@when("隣のフォルダの手順を実行する")\ndef _():\n    pass\n', encoding="utf-8"
    )
    result = check(["features"], project)
    assert result.returncode == 1
    assert "features/demo/demo.feature:6: もし 隣のフォルダの手順を実行する" in result.stdout


def test_a_scenario_bound_to_no_test_is_reported(tmp_path):
    project = _project(tmp_path, FEATURE.replace("    もし 定義のない手順を実行する\n", ""))
    (project / "features" / "demo" / "loose.feature").write_text(
        "# language: ja\n機能: 束ねられていない\n\n  シナリオ: どのテストにも属さない\n    前提 サーバが用意されている\n",
        encoding="utf-8",
    )
    result = check(["features"], project)
    assert result.returncode == 1
    assert "features/demo/loose.feature:4: シナリオ「どのテストにも属さない」 is bound to no test" in result.stdout


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
