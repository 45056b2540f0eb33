"""oat.mutants: the product defects in lab/mutants stay runnable, and a run's cucumber.json
says which scenario and step caught a mutant."""
from __future__ import annotations

import json
import subprocess

import pytest

from oat import mutants
from oat.errors import LabError

KINDS = {"process", "port and address", "file and link", "enablement", "data on shared disk", "message text",
         "event flow", "secret masking", "monitor", "upgrade"}


def test_at_least_twelve_mutants_cover_every_kind_of_post_condition():
    found = mutants.all_mutants()
    assert len(found) >= 12
    assert KINDS <= {m.kind for m in found}


@pytest.mark.parametrize("mutant", mutants.all_mutants(), ids=lambda m: m.name)
def test_each_mutant_still_applies_to_the_products(mutant):
    applied = subprocess.run(["patch", "-p1", "--dry-run", "--forward", "--batch", "-i", str(mutant.patch)],
                             cwd=mutants.ROOT, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stdout + applied.stderr


def test_a_header_key_missing_is_named_with_the_file(tmp_path):
    patch = tmp_path / "broken.patch"
    patch.write_text("# defect: x\n# kind: process\n--- a/x\n+++ b/x\n", encoding="utf-8")
    with pytest.raises(LabError, match=r"broken.patch: header line '# features: …' is missing"):
        mutants.load(patch)


def test_an_unknown_mutant_is_named():
    with pytest.raises(LabError, match="no mutant nosuch in"):
        mutants.all_mutants(["nosuch"])


def test_the_first_failed_step_and_its_cause_come_from_cucumber_json(tmp_path):
    report = tmp_path / "cucumber.json"
    report.write_text(json.dumps([{"elements": [
        {"name": "(3) install", "steps": [{"keyword": "もし", "name": "install", "result": {"status": "passed"}}]},
        {"name": "(4)(5) 環境設定", "steps": [
            {"keyword": "ならば", "name": "運用系の CL/Web が 443 番ポートだけで待ち受け",
             "result": {"status": "failed", "error_message":
                        "失敗したステップ: 「ならば …」 — 原因: clweb_serv on node1 listens on more than 192.168.10.13:443\n\ntrace"}},
            {"keyword": "かつ", "name": "later", "result": {"status": "skipped"}}]},
    ]}]), encoding="utf-8")
    assert mutants.first_failure(report) == (
        "(4)(5) 環境設定", "ならば 運用系の CL/Web が 443 番ポートだけで待ち受け",
        "clweb_serv on node1 listens on more than 192.168.10.13:443")


def test_no_cucumber_json_means_no_failure_found(tmp_path):
    assert mutants.first_failure(tmp_path / "missing.json") is None


def test_a_failure_of_oat_s_own_code_kills_no_mutant():
    assert mutants.HARNESS_ERRORS.match("TypeError: Server.__init__() got an unexpected keyword argument 'x'")
    assert not mutants.HARNESS_ERRORS.match("clweb_serv on node1 listens on more than 192.168.10.13:443")


def test_a_run_of_some_mutants_replaces_theirs_in_the_last_result(tmp_path):
    path = tmp_path / "result.json"
    every = [mutants.Outcome(m.name, m.kind, m.defect, "killed", version="v1") for m in mutants.all_mutants()]
    every[0].verdict = "error"
    mutants.save(every, 100.0, path)
    again = mutants.Outcome(every[0].name, every[0].kind, every[0].defect, "killed", scenario="s", step="t", version="v2")
    saved = mutants.save([again], 20.0, path)
    assert saved["total"] == len(every) and saved["killed"] == len(every)
    assert saved["version"] in ("v2, v1", "v1, v2") and saved["seconds"] == 120.0
    assert mutants.last_result(path)["outcomes"][0]["step"] == "t"


def test_a_check_with_nothing_at_stake_kills_nothing():
    assert mutants.HARNESS_ERRORS.match("nothing at stake: 0 saves acknowledged to the append client, so the check "
                                        "would check nothing (an error of the test, not a pass)")


def test_the_coverage_table_lists_each_documented_step_with_its_checks_and_mutants(tmp_path):
    (tmp_path / "features" / "doc").mkdir(parents=True)
    (tmp_path / "features" / "doc" / "01.feature").write_text(
        "# language: ja\n機能: f\n  シナリオ: 構築\n    もし 作る\n    ならば 起動している\n    かつ 待ち受けている\n"
        "    もし 止める\n", encoding="utf-8")
    (tmp_path / "features" / "doc" / "traceability.yaml").write_text(
        "document: d\ntitle: t\nitems:\n"
        "  - {ref: 手順 1, text: 作る, expected: 起動して待ち受けること, scenarios: [構築]}\n"
        "  - {ref: 手順 2, text: 読む, scenarios: [構築]}\n"
        "  - {ref: 手順 3, text: Windows, not_applicable: Linux だけ}\n", encoding="utf-8")
    (tmp_path / "lab" / "mutants").mkdir(parents=True)
    (tmp_path / "lab" / "mutants" / "no-listen.patch").write_text(
        "# defect: d\n# kind: port\n# features: doc\n# refs: 手順 1\n--- a/x\n", encoding="utf-8")
    (tmp_path / "lab" / "mutants" / "result.json").write_text(
        '{"outcomes": [{"name": "no-listen", "verdict": "killed"}]}', encoding="utf-8")
    rows = mutants.coverage(tmp_path)
    assert [(r.ref, r.checks, r.mutants, r.covered) for r in rows] == [
        ("手順 1", ["起動している", "待ち受けている"], [("no-listen", "killed")], True),
        ("手順 2", ["起動している", "待ち受けている"], [], True),  # states no post-condition
        ("手順 3", [], [], True)]
    assert rows[1].why_none == "事後条件を述べない手順 (期待結果なし)" and rows[2].why_none == "実施不可: Linux だけ"
    assert "事後条件を述べる手順 1 件のうち、検出された変異があるもの 1 件" in mutants.coverage_text(rows)
