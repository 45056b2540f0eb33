"""`--alluredir`: Allure results through allure-pytest-bdd, with each step's evidence, the
outcomes mapped and every secret masked; then rendered by Allure 3 (npm, no Java), whose
counts must be the record's (oat-run.json)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

ROOT = Path(__file__).resolve().parents[3]
ALLURE = ROOT / "tools" / "allure" / "node_modules" / ".bin" / "allure"
VALUE = "Zy8uw'x&<y>-Allure"

INI = """[pytest]
oat_secrets =
    APP_PASSWORD
"""

CONFTEST = """
import io
import os
import pytest
from PIL import Image
from pytest_bdd import given, parsers, then, when
from oat.plugin.lab import recorder_key

@pytest.fixture(autouse=True)
def lab_of_other(request):
    if "other" in str(request.node.path):  # a set-up that fails before the first step (エラー)
        raise RuntimeError(f"the lab could not be made with {os.environ['OAT_SECRET_APP_PASSWORD']}")

@given("サーバが用意されている")
def ready():
    pass

@when(parsers.parse('サーバ "{server}" で "{command}" を実行する'))
def run(request, server, command, docstring):
    print(f"ran {command}")  # captured output: Allure attaches it
    recorder = request.config.stash[recorder_key]
    recorder.record(server, command, 0, f"connected\\n{docstring.strip()}", "", 0.05)
    screen = io.BytesIO()
    Image.new("RGB", (640, 320), "white").save(screen, format="PNG")
    recorder.attach("png", "ログイン後の画面", screen.getvalue())

@then(parsers.parse('応答は "{expected}" である'))
def answer(request, expected):
    request.config.stash[recorder_key].record("db", "cat /srv/answer", 0, "other", "", 0.01)
    assert expected == "other", f"the answer is 'other', not {expected!r}"
"""

FEATURE = '''# language: ja
機能: 接続
  シナリオ: 接続できる
    前提 サーバが用意されている
    もし サーバ "db" で "psql -U app -W {secret.APP_PASSWORD} -c 'select 1'" を実行する
      """
      pw={secret.APP_PASSWORD}
      """
    ならば 応答は "other" である

  シナリオ: 応答が違う
    前提 サーバが用意されている
    ならば 応答は "{secret.APP_PASSWORD}" である

  シナリオ: 後の確認
    前提 サーバが用意されている
'''

OTHER = """# language: ja
機能: 別の手順
  シナリオ: 準備できない
    前提 サーバが用意されている
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One run of a small project with the installed plugin: one scenario passes, one fails
    (the secret in its message), the next is not run after it; in another folder, one cannot
    start (its set-up fails, the secret in its message)."""
    project = tmp_path_factory.mktemp("allure")
    (project / "pytest.ini").write_text(INI, encoding="utf-8")
    (project / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (project / "features" / "demo").mkdir(parents=True)
    (project / "features" / "demo" / "01.feature").write_text(FEATURE, encoding="utf-8")
    (project / "features" / "other").mkdir(parents=True)
    (project / "features" / "other" / "01.feature").write_text(OTHER, encoding="utf-8")
    env = {**os.environ, "OAT_SECRET_APP_PASSWORD": VALUE, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-l",
            "--tb=long",
            "--alluredir",
            "allure-results",
            "--tester",
            "検査 太郎",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    record = json.loads((project / "reports" / "oat-run.json").read_text(encoding="utf-8"))
    results = {}
    for path in (project / "allure-results").glob("*-result.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        results[data["name"]] = data
    return project, record, results


def _attachment(project: Path, attachment: dict) -> bytes:
    return (project / "allure-results" / attachment["source"]).read_bytes()


def test_each_scenario_is_a_result_with_its_steps_and_their_evidence_attached(run):
    project, record, results = run
    assert sorted(results) == sorted(r["label"] for r in record["results"])
    passed = results["接続できる"]
    assert [s["name"] for s in passed["steps"]] == [s["title"] for s in record["results"][0]["steps"]]
    given, when, then = passed["steps"]
    assert "attachments" not in given  # it ran nothing
    shown = {a["name"]: a for a in when["attachments"]}
    command = next(a for name, a in shown.items() if name.startswith("db: $ psql -U app -W "))
    assert command["type"] == "text/plain"
    text = _attachment(project, command).decode("utf-8")
    assert text.splitlines()[:3] == [
        "サーバ: db",
        "$ psql -U app -W ******** -c 'select 1'",
        "終了コード: 0 ・ 所要時間: 0.05 秒",
    ]
    assert "pw=********" in text
    screen = shown["ログイン後の画面"]
    assert screen["type"] == "image/png"
    assert Image.open(io.BytesIO(_attachment(project, screen))).size == (640, 320)
    # allure-pytest-bdd's own: the docstring as written (its placeholder), or masked once expanded.
    assert _attachment(project, shown["Doc string"]).decode("utf-8").strip() in (
        "pw={secret.APP_PASSWORD}",
        "pw=********",
    )
    assert [a["name"] for a in then["attachments"]] == ["db: $ cat /srv/answer"]


def test_outcomes_are_mapped_with_oat_s_words_and_the_failure_s_one_line(run):
    project, record, results = run
    by_label = {r["label"]: r for r in record["results"]}
    judged = {
        name: (r["status"], next(label["value"] for label in r["labels"] if label["name"] == "判定"))
        for name, r in results.items()
    }
    expected = {"接続できる": ("passed", "合格"), "応答が違う": ("failed", "不合格"), "後の確認": ("skipped", "未実施")}
    if "準備できない" in by_label:  # a record that keeps a scenario whose set-up failed: エラー, broken
        expected["準備できない"] = ("broken", "エラー")
        assert results["準備できない"]["statusDetails"]["message"] == by_label["準備できない"]["failure"]["headline"]
    assert judged == expected
    failed = results["応答が違う"]
    assert failed["statusDetails"]["message"] == by_label["応答が違う"]["failure"]["headline"]
    assert "原因: the answer is 'other', not \"********\"" in failed["statusDetails"]["message"]
    left = results["後の確認"]
    assert left["statusDetails"]["message"] == "未実施: 同じラボで先に実行した「応答が違う」が失敗したため"
    ran = results["接続できる"]  # named and placed as allure-pytest-bdd places the scenarios it ran
    assert (
        left["fullName"] == ran["fullName"].replace("接続できる", "後の確認") and left["titlePath"] == ran["titlePath"]
    )
    assert left.get("steps", []) == []  # as in the record: not run, no steps


def test_no_secret_reaches_the_allure_results_nor_the_workbook(run):
    project, _, results = run
    forms = (VALUE, json.dumps(VALUE)[1:-1], repr(VALUE)[1:-1], VALUE.replace("&", "&amp;"), "Zy8uw")
    assert any(a["name"] == "stdout" for r in results.values() for a in r.get("attachments", []))  # captured output
    for path in (project / "allure-results").iterdir():
        text = path.read_bytes().decode("utf-8", errors="replace")
        for form in forms:
            assert form not in text, f"{form!r} in {path.name}"
    book = load_workbook(project / "reports" / "試験成績書.xlsx")
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if any(form in c for form in forms)]
    assert "検査 太郎 (--tester)" in cells  # 実施者, and where it came from


def test_allure_3_renders_the_results_with_the_record_s_counts(run, tmp_path):
    """Allure 3 (tools/allure, installed by bin/setup) reads every result and shows as many
    tests, by status, steps and attachments as the record has."""
    if not ALLURE.exists():
        pytest.fail(
            f"{ALLURE.relative_to(ROOT)} not found: run bin/setup (it installs Node.js and Allure 3)", pytrace=False
        )
    project, record, results = run
    out = subprocess.run(
        [str(ALLURE), "generate", str(project / "allure-results"), "--output", str(tmp_path / "report")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    summary = json.loads((tmp_path / "report" / "summary.json").read_text(encoding="utf-8"))
    expected = {"passed": 0, "failed": 0, "broken": 0, "skipped": 0}
    for result in record["results"]:
        expected[{"passed": "passed", "failed": "failed", "error": "broken"}.get(result["outcome"], "skipped")] += 1
    assert summary["stats"] == {"total": len(record["results"]), **{k: n for k, n in expected.items() if n}}
    rendered = {}
    for path in (tmp_path / "report" / "data" / "test-results").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        rendered[data["name"]] = data
    assert len(rendered) == len(results) == len(record["results"])
    for scenario in record["results"]:
        steps = [s for s in rendered[scenario["label"]]["steps"] if s.get("type") == "step"]
        assert [s["name"] for s in steps] == [s["title"] for s in scenario["steps"]], scenario["label"]
        for step, recorded in zip(steps, scenario["steps"], strict=True):
            attached = [s["link"] for s in step.get("steps", []) if "link" in s]
            assert not [a for a in attached if a.get("missed")], step["name"]  # every file was found
            ours = [a for a in attached if a["name"] != "Doc string"]
            assert len(ours) == len(recorded["commands"]) + len(recorded["shots"]), step["name"]
    for path in (tmp_path / "report").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".txt", ".html"):
            assert VALUE not in path.read_text(encoding="utf-8", errors="replace"), path


def test_without_the_extra_alluredir_says_how_to_install_it(tmp_path):
    """allure-pytest-bdd missing (an import that fails, its plugin not loaded): one line."""
    (tmp_path / "hide" / "allure_pytest_bdd").mkdir(parents=True)
    (tmp_path / "hide" / "allure_pytest_bdd" / "__init__.py").write_text("raise ImportError('not installed')\n")
    (tmp_path / "project").mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "hide"), str(ROOT)])}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:allure_pytest_bdd",
            "-p",
            "no:cacheprovider",
            "--alluredir",
            "results",
        ],
        cwd=tmp_path / "project",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 4, out.stdout + out.stderr
    lines = [line for line in (out.stdout + out.stderr).splitlines() if "alluredir" in line]
    assert lines == ["ERROR: oat: --alluredir needs allure-pytest-bdd: pip install 'oat[allure]'"], out.stderr
