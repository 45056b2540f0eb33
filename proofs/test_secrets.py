"""The proof that a runbook's secrets reach no output (bin/secrets-proof; it makes labs).

proofs/secrets is a project of its own whose runbooks hold secrets in every position a step
has: its text, its docstring, its table, the commands' output (quoted, escaped and encoded
every way a shell, SQL, a URL, HTML, JSON or Python's repr does it), a passing step and two
failing ones (with their tracebacks, assertion messages and the step functions' arguments and
locals). Three secrets are declared and given from the environment and from secrets.yaml; three
more are literal passwords written in the features, which the masker must recognise.

The proof runs it through the installed plugin, merges its reports, then searches every file
under reports/ (the 試験成績書's XML parts too) and the terminal output for each value in each
of those encodings, and for a distinctive fragment of each (a partial leak is a leak). One hit
fails it. The values really were used: the runbook's own checks pass only with them.
"""

from __future__ import annotations

import html
import json
import os
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "secrets"

SECRETS = {  # name: (value, a fragment no other text has)
    "APP_PASSWORD": ("アプリ秘密-Zy8uw", "Zy8uw"),
    "DB_PASSWORD": ("""db's "Qz7pw" <&> 100%x""", "Qz7pw"),
    "REPL_PASSWORD": ("Repl/Kx4vq+w=42", "Kx4vq"),
}
LITERALS = {  # written as they are in the features
    "in a docstring": ("LiteralDocPw77", "LiteralDocPw"),
    "in a step's text": ("LiteralTitlePw88", "LiteralTitlePw"),
    "in a table, SQL-quoted": ("LiteralTablePw'99", "LiteralTablePw"),
}


def encodings(value: str) -> dict[str, str]:
    """The value as each kind of quoting or encoding writes it."""
    forms = {
        "as it is": value,
        "single-quoted for a shell": shlex.quote(value),
        "backslash-escaped (printf %q)": "".join(
            c if c.isalnum() or c in "@%+=:,./-_" or ord(c) > 127 else "\\" + c for c in value
        ),
        "double-quoted for a shell": value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$"),
        "SQL's doubled quotes": value.replace("'", "''"),
        "doubled double quotes": value.replace('"', '""'),
        "URL-encoded": quote(value, safe=""),
        "URL-encoded (path)": quote(value),
        "form-encoded": quote_plus(value),
        "HTML-escaped": html.escape(value),
        "HTML-escaped (no quotes)": html.escape(value, quote=False),
        "HTML-escaped (&#39;)": html.escape(value).replace("&#x27;", "&#39;"),
        "XML-escaped (&apos;)": html.escape(value).replace("&#x27;", "&apos;"),
        "JSON": json.dumps(value, ensure_ascii=False)[1:-1],
        "JSON (ASCII)": json.dumps(value)[1:-1],
        "Python repr": repr(value)[1:-1],
        "JSON of HTML": json.dumps(html.escape(value))[1:-1],
    }
    return {kind: form for kind, form in forms.items() if form}


def outputs(project: Path, terminal: str) -> dict[str, str]:
    """Every output's text: each file under reports/, each part of an xlsx, the terminal."""
    found = {"the terminal": terminal}
    for path in sorted((project / "reports").rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(project))
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                for part in book.namelist():
                    found[f"{name}:{part}"] = book.read(part).decode("utf-8", "replace")
        else:
            found[name] = path.read_bytes().decode("utf-8", "replace")
    return found


def test_no_secret_reaches_any_output(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    (project / "secrets.yaml").write_text(
        "".join(
            f"{name}: {json.dumps(value, ensure_ascii=False)}\n"
            for name, (value, _) in SECRETS.items()
            if name != "APP_PASSWORD"
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "OAT_SECRET_APP_PASSWORD": SECRETS["APP_PASSWORD"][0]}
    env.pop("PYTEST_ADDOPTS", None)

    # A runbook that uses only placeholders runs green, and grep -r of its project folder
    # (features, reports) finds no value, as a user would check it.
    green = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "features/green"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert green.returncode == 0, f"features/green exited {green.returncode}:\n{green.stdout[-3000:]}"
    _grep_finds_no_value(project)

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--keep-going", "-l", "-rA", "--tb=long", "-v"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    merged = subprocess.run(
        [sys.executable, "-m", "oat.cli", "merge", "reports", "--out", "reports/merged"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    terminal = run.stdout + run.stderr + merged.stdout + merged.stderr
    (tmp_path / "terminal.txt").write_text(terminal, encoding="utf-8")

    # The run did what it should: the placeholders' values were used (green passes on them),
    # and the failing steps failed (their outputs were made).
    cases = {case.get("name"): case for case in ET.parse(project / "reports/junit.xml").getroot().iter("testcase")}
    outcome = {
        name: "failed"
        if case.find("failure") is not None
        else "skipped"
        if case.find("skipped") is not None
        else "passed"
        for name, case in cases.items()
    }
    assert outcome == {
        "test_秘密を使って設定する": "passed",
        "test_秘密を出力する": "passed",
        "test_秘密を使う確認が失敗する": "failed",
        "test_秘密を書いた表の確認が失敗する": "failed",
    }, f"unexpected outcomes {outcome} (exit {run.returncode}); terminal in {tmp_path / 'terminal.txt'}"
    assert run.returncode == 1, f"pytest exited {run.returncode}; terminal in {tmp_path / 'terminal.txt'}"
    assert merged.returncode == 1, f"the merge exited {merged.returncode}: {merged.stderr.strip()}"

    texts = outputs(project, terminal)
    assert {
        "reports/report.html",
        "reports/junit.xml",
        "reports/cucumber.json",
        "reports/oat-run.json",
        "reports/merged/report.html",
        "reports/merged/junit.xml",
    } <= set(texts), sorted(texts)
    assert any(name.startswith("reports/試験成績書.xlsx:") for name in texts)
    assert "********" in texts["reports/report.html"], "nothing was masked: did the secrets reach the evidence?"
    assert "{secret.DB_PASSWORD}" in texts["reports/report.html"], "the steps should show their placeholders"

    leaks = []
    for label, (value, fragment) in {**SECRETS, **LITERALS}.items():
        for kind, form in {**encodings(value), "a fragment": fragment}.items():
            for name, text in texts.items():
                if form in text:
                    leaks.append(f"{label} ({kind}: {form!r}) in {name}, {text.count(form)} time(s)")
    assert not leaks, "secrets leaked:\n" + "\n".join(leaks)
    _grep_finds_no_value(project)


def _grep_finds_no_value(project: Path) -> None:
    found = subprocess.run(
        ["grep", "-rlF", *sum((["-e", v] for v, _ in SECRETS.values()), []), "features", "reports"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert found.returncode == 1 and not found.stdout, f"grep -r finds a secret in: {found.stdout.split()}"
