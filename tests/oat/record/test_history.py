"""oat.record.history: each run appended, the oldest pruned, and the per-scenario view with 不安定."""

from __future__ import annotations

import subprocess

from oat.record import history
from oat.render.history import render_html, render_text


def run(started: float, commit: str, outcomes: dict[str, str], run_id: str = "") -> dict:
    results = [
        {"folder": "demo", "scenario": name, "label": name, "outcome": outcome, "duration": 0.5}
        for name, outcome in outcomes.items()
    ]
    return history.record(
        run_id=run_id or f"r{int(started)}",
        started=started,
        ended=started + 1,
        commit=commit,
        verdict="passed",
        results=results,
    )


def test_runs_are_appended_and_the_oldest_pruned(tmp_path):
    for i in range(5):
        history.append(tmp_path, run(1_700_000_000.0 + i * 60, "abc", {"一つ目": "passed"}), cap=3)
    kept = history.load(tmp_path)
    assert [r["started"] for r in kept] == [1_700_000_120.0, 1_700_000_180.0, 1_700_000_240.0]
    assert len(list(tmp_path.glob("*.json"))) == 3
    (tmp_path / "not-a-record.json").write_text("{", encoding="utf-8")
    assert len(history.load(tmp_path)) == 3  # a file that is not a record is passed over


def test_a_scenario_that_passed_and_failed_on_one_commit_is_unstable():
    runs = [
        run(1.0, "abc", {"ゆらぐ": "failed", "安定": "passed"}),
        run(2.0, "abc", {"ゆらぐ": "passed", "安定": "passed"}),
        run(3.0, "def", {"ゆらぐ": "passed", "安定": "failed"}),
        run(4.0, "", {"安定": "passed"}),
    ]  # outside git: never compared
    lines = {line.label: line for line in history.view(runs)}
    assert [r.outcome.word for r in lines["ゆらぐ"].runs] == ["不合格", "合格", "合格"]
    assert lines["ゆらぐ"].unstable == ["abc"] and lines["安定"].unstable == []
    assert history.unstable_text(lines["ゆらぐ"]) == "不安定 (commit abc: 不合格 1、合格 1)"
    assert [line.label for line in history.view(runs, shown=2, only={("demo", "安定")})] == ["安定"]
    assert len(history.view(runs, shown=2)[0].runs) == 2


def test_the_report_and_the_terminal_show_the_same_strip():
    runs = [
        run(1.0, "abc", {"ゆらぐ": "failed"}),
        run(2.0, "abc", {"ゆらぐ": "waived"}),
        run(3.0, "abc", {"ゆらぐ": "passed"}),
    ]
    lines = history.view(runs)
    text = render_text(lines, runs, "reports/history")
    assert text.splitlines()[1] == (
        "demo/ゆらぐ: × △ ○  (0.50 秒, 0.50 秒, 0.50 秒)  不安定 (commit abc: 不合格 1、免除 1、合格 1)"
    )
    html = render_html(lines, len(runs))
    assert html.count('class="oat-run ') == 3 and "不安定 (commit abc" in html and "実行履歴" in html


def test_the_commit_is_head_and_a_digest_of_the_uncommitted_changes(tmp_path):
    assert history.commit_of(tmp_path) == ""
    git = ["git", "-C", str(tmp_path), "-c", "user.name=oat", "-c", "user.email=oat@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "a.feature").write_text("# language: ja\n", encoding="utf-8")
    subprocess.run([*git, "add", "a.feature"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    head = history.commit_of(tmp_path)
    assert len(head) == 12 and "+" not in head
    (tmp_path / "untracked.txt").write_text("reports and markers do not count", encoding="utf-8")
    assert history.commit_of(tmp_path) == head
    (tmp_path / "a.feature").write_text("# language: ja\n機能: x\n", encoding="utf-8")
    assert history.commit_of(tmp_path).startswith(head + "+")
