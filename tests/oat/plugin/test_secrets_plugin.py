"""Secrets through the plugin, on a project with local steps (no lab): a placeholder not set
stops the run before anything is made, with one line; a set one reaches the step, and no
output of a failing run holds its value."""

from __future__ import annotations

import json

import pytest

INI = """[pytest]
oat_secrets =
    APP_PASSWORD
"""

CONFTEST = """
from pytest_bdd import parsers, then, when

@when(parsers.parse('値 "{value}" を使う'), target_fixture="used")
def use(value):
    return value

@then(parsers.parse('使った値は "{expected}" である'))
def same(used, expected):
    assert used == expected, f"the step got {used!r}, expected {expected!r}"
"""

FEATURE = """# language: ja
機能: 秘密
  シナリオ: 秘密を渡す
    もし 値 "pw={secret.APP_PASSWORD}" を使う
    ならば 使った値は "pw=Zy8uw'x&<y>" である

  シナリオ: 秘密が違う
    もし 値 "{secret.APP_PASSWORD}" を使う
    ならば 使った値は "other" である
"""
VALUE = "Zy8uw'x&<y>"


@pytest.fixture
def project(pytester):
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    (pytester.path / "features" / "demo").mkdir(parents=True)
    (pytester.path / "features" / "demo" / "01.feature").write_text(FEATURE, encoding="utf-8")
    return pytester


def test_a_placeholder_not_set_stops_the_run_with_one_line(project, monkeypatch):
    monkeypatch.delenv("OAT_SECRET_APP_PASSWORD", raising=False)
    result = project.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == 7
    lines = [line for line in result.stdout.lines + result.stderr.lines if "APP_PASSWORD" in line]
    assert len(lines) == 1 and lines[0].endswith(
        "oat: features/demo/01.feature:4: secret 'APP_PASSWORD' is not set: set the environment variable "
        f"OAT_SECRET_APP_PASSWORD or put 'APP_PASSWORD' in {project.path / 'secrets.yaml'} !"
    ), lines
    assert "passed" not in result.stdout.str() and "failed" not in result.stdout.str()


def test_the_step_gets_the_value_and_no_output_holds_it(project, monkeypatch):
    monkeypatch.setenv("OAT_SECRET_APP_PASSWORD", VALUE)
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "--keep-going", "-l", "-rA", "--tb=long")
    result.assert_outcomes(passed=1, failed=1)
    outputs = {"terminal": result.stdout.str() + result.stderr.str()}
    for path in (project.path / "reports").iterdir():
        if path.suffix in (".html", ".xml", ".json"):
            outputs[path.name] = path.read_text(encoding="utf-8")
    assert {"report.html", "junit.xml", "cucumber.json", "oat-run.json"} <= set(outputs)
    for name, text in outputs.items():
        for form in (VALUE, "Zy8uw", json.dumps(VALUE)[1:-1], VALUE.replace("&", "&amp;")):
            assert form not in text, f"{form!r} in {name}"
    assert "the step got \"********\", expected 'other'" in outputs["terminal"]
    # The page shows pytest's own output of the failure (its locals, -l), masked like the rest.
    assert "pytest の出力" in outputs["report.html"] and "used       = &quot;********&quot;" in outputs["report.html"]
    cucumber = json.loads(outputs["cucumber.json"])
    names = [step["name"] for feature in cucumber for element in feature["elements"] for step in element["steps"]]
    assert '値 "{secret.APP_PASSWORD}" を使う' in names  # the step shows its placeholder
