"""oat.mutants: the product defects in lab/mutants stay runnable; a mutant runs first against
the scenarios of the steps it breaks; a run resumes where it stopped; a kill outside those
steps' checks is flagged; and the table lists every documented step."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from _pytest.mark.expression import Expression
from pytest_bdd.feature import get_features
from pytest_bdd.scenario import get_python_name_generator

from oat.errors import LabError
from oat.mutants import catalog, command, coverage, results, runner, targets
from oat.mutants.results import Outcome
from oat.plugin.procedure import set_up_for
from oat.render.report import render_mutants

KINDS = {
    "process",
    "port and address",
    "file and link",
    "enablement",
    "data on shared disk",
    "message text",
    "event flow",
    "secret masking",
    "monitor",
    "upgrade",
}
FEATURES = catalog.ROOT / "features"


# --- the mutants --------------------------------------------------------------------------


def test_at_least_twelve_mutants_cover_every_kind_of_post_condition():
    found = catalog.all_mutants()
    assert len(found) >= 12
    assert KINDS <= {m.kind for m in found}


@pytest.mark.parametrize("mutant", catalog.all_mutants(), ids=lambda m: m.name)
def test_each_mutant_still_applies_to_the_products(mutant):
    applied = subprocess.run(
        ["patch", "-p1", "--dry-run", "--forward", "--batch", "-i", str(mutant.patch)],
        cwd=catalog.ROOT,
        capture_output=True,
        text=True,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr


@pytest.mark.parametrize("mutant", catalog.all_mutants(), ids=lambda m: m.name)
def test_each_mutant_names_documented_steps_and_is_first_run_on_their_scenarios(mutant):
    assert mutant.refs, f"{mutant.patch}: no '# refs:' line: which documented step does it break?"
    phases = targets.plan(FEATURES, mutant)  # a ref the traceability lacks is named here
    assert phases[-1] == targets.Phase(targets.FOLDER, mutant.features)


def test_a_header_key_missing_is_named_with_the_file(tmp_path):
    patch = tmp_path / "broken.patch"
    patch.write_text("# defect: x\n# kind: process\n--- a/x\n+++ b/x\n", encoding="utf-8")
    with pytest.raises(LabError, match=r"broken.patch: header line '# features: …' is missing"):
        catalog.load(patch)


def test_an_unknown_mutant_is_named():
    with pytest.raises(LabError, match="no mutant nosuch in"):
        catalog.all_mutants(["nosuch"])


def test_the_fast_sample_is_a_few_mutants_each_run_first_on_its_own_scenarios():
    sample = catalog.sample()
    assert 2 <= len(sample) <= 4  # CI runs it: a few minutes at most
    assert {f for m in sample for f in m.features} == {"tengine", "clweb"}
    assert all(targets.plan(FEATURES, m)[0].name == targets.TARGETED for m in sample)


def test_a_sample_naming_an_unknown_mutant_or_none_is_named(tmp_path):
    (tmp_path / "a.patch").write_text("# defect: d\n# kind: k\n# features: clweb\n", encoding="utf-8")
    listing = tmp_path / "sample.txt"
    listing.write_text("a  # cheap\nnosuch\n", encoding="utf-8")
    with pytest.raises(LabError, match=r"sample.txt: no mutant nosuch in"):
        catalog.sample(listing)
    listing.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(LabError, match=r"sample.txt: names no mutant"):
        catalog.sample(listing)


# --- which scenarios run first ------------------------------------------------------------

FOLDER = {
    "01_build.feature": """\
        # language: ja
        機能: 構築
          シナリオ: 構築する
            もし 作る
            ならば 起動している
          シナリオ: 構築する 2
            もし 作り直す
            ならば 起動している
          @独立
          シナリオ: 単独で確かめる
            ならば 何もない
        """,
    "02_use.feature": """\
        # language: ja
        機能: 使う
          シナリオ: 待ち受ける
            もし 設定する
            ならば 待ち受けている
            かつ ログがある
          シナリオアウトライン: <部品> を止める
            もし <部品> を止める
            ならば <部品> が停止している
            例:
              | 部品 |
              | DB   |
          シナリオ: 最後
            もし 片付ける
        """,
}
TRACE = """\
document: d
title: t
items:
  - {ref: 手順 1, text: 作る, expected: 起動していること, scenarios: [構築する 2]}
  - {ref: 手順 2, text: 待つ, expected: 待ち受けること, scenarios: [待ち受ける], steps: [待ち受けている]}
  - {ref: 手順 3, text: 止める, expected: 止まること, scenarios: [<部品> を止める]}
  - {ref: 手順 4, text: 読む, no_post_condition: 読むだけ, scenarios: [構築する]}
  - {ref: 手順 5, text: 眺める, scenarios: [最後]}
  - {ref: 手順 6, text: Windows, not_applicable: Linux だけ}
"""


@pytest.fixture
def project(tmp_path):
    """A project with one feature folder 'doc', its traceability and a mutants folder."""
    folder = tmp_path / "features" / "doc"
    folder.mkdir(parents=True)
    for name, text in FOLDER.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    (folder / "traceability.yaml").write_text(TRACE, encoding="utf-8")
    (tmp_path / "lab" / "mutants").mkdir(parents=True)
    return tmp_path


def mutant_in(project: Path, name: str, refs: str) -> catalog.Mutant:
    patch = project / "lab" / "mutants" / f"{name}.patch"
    patch.write_text(f"# defect: {name}\n# kind: k\n# features: doc\n# refs: {refs}\n--- a/x\n", encoding="utf-8")
    return catalog.load(patch, project / "features")


def selected(expression: str, every: list[targets.Scenario]) -> list[str]:
    """What pytest's -k keeps: a word matches when it is part of one of a test's names (its own,
    with an outline example's id, its file's, its folders') or of its markers."""

    def names(s):
        return {s.folder, "features", s.file, s.test + ("[DB]" if "<" in s.name else ""), *s.tags}

    return [
        s.name
        for s in every
        if Expression.compile(expression).evaluate(lambda word, **_: any(word.lower() in n.lower() for n in names(s)))
    ]


def test_the_scenarios_of_a_folder_come_in_run_order_with_pytest_s_names(project):
    every = targets.scenarios(project / "features", "doc")
    assert [(s.file, s.name, s.test, s.independent) for s in every] == [
        ("01_build.feature", "構築する", "test_構築する", False),
        ("01_build.feature", "構築する 2", "test_構築する_2", False),
        ("01_build.feature", "単独で確かめる", "test_単独で確かめる", True),
        ("02_use.feature", "待ち受ける", "test_待ち受ける", False),
        ("02_use.feature", "<部品> を止める", "test_部品_を止める", False),
        ("02_use.feature", "最後", "test_最後", False),
    ]


@pytest.mark.parametrize("folder", sorted(p.name for p in FEATURES.iterdir() if p.is_dir()) + ["<tmp>"])
def test_the_scenarios_tags_and_test_names_are_pytest_bdd_s(folder, project):
    features = project / "features" if folder == "<tmp>" else FEATURES
    folder = "doc" if folder == "<tmp>" else folder
    theirs = []
    for path in sorted((features / folder).glob("*.feature")):
        module: dict = {}
        for feature in get_features([str(path)]):
            for name, template in feature.scenarios.items():
                test = next(n for n in get_python_name_generator(name) if n not in module)
                module[test] = name
                theirs.append((path.name, template.line_number, name, test, frozenset(template.tags | feature.tags)))
    assert [(s.file, s.line, s.name, s.test, s.tags) for s in targets.scenarios(features, folder)] == sorted(theirs)


def test_a_mutant_runs_first_its_refs_scenarios_then_its_whole_folder(project):
    phases = targets.plan(project / "features", mutant_in(project, "m", "手順 2"))
    assert [p.name for p in phases] == [targets.TARGETED, targets.FOLDER]
    assert phases[0].scenarios == ("待ち受ける",) and phases[0].folders == ("doc",)
    every = targets.scenarios(project / "features", "doc")
    assert selected(phases[0].keyword, every) == ["待ち受ける"]


def test_the_expression_leaves_out_a_test_whose_name_contains_the_wanted_one(project):
    every = targets.scenarios(project / "features", "doc")
    wanted = [s for s in every if s.name == "構築する"]
    assert "not test_構築する_2" in targets.keyword_expression(every, wanted)
    assert selected(targets.keyword_expression(every, wanted), every) == ["構築する"]
    outline = [s for s in every if s.name.startswith("<部品>")]
    assert selected(targets.keyword_expression(every, outline), every) == ["<部品> を止める"]


def test_the_set_up_is_what_the_plugin_adds_to_a_selection(project):
    every = targets.scenarios(project / "features", "doc")
    for wanted in ([every[3]], [every[1]], [every[2]], [every[1], every[4]]):

        def at(s):
            return (s.folder, (s.file, s.line), s.name, f"{s.folder}/{s.file}", s.independent)

        added = set_up_for([at(s) for s in wanted], [at(s) for s in every if s not in wanted])
        expected = [s for s in every if s in wanted or (s.folder, (s.file, s.line)) in added]
        assert targets.with_set_up(every, wanted) == expected
    assert [s.name for s in targets.with_set_up(every, [every[3]])] == ["構築する", "構築する 2", "待ち受ける"]


def test_the_whole_folder_alone_when_the_set_up_is_everything_or_there_are_no_refs(project):
    assert [p.name for p in targets.plan(project / "features", mutant_in(project, "last", "手順 5"))] == [
        targets.FOLDER
    ]
    assert [p.name for p in targets.plan(project / "features", mutant_in(project, "none", "手順 6"))] == [
        targets.FOLDER
    ]  # a step not carried out has no scenario
    patch = project / "lab" / "mutants" / "norefs.patch"
    patch.write_text("# defect: d\n# kind: k\n# features: doc\n--- a/x\n", encoding="utf-8")
    assert [p.name for p in targets.plan(project / "features", catalog.load(patch, project / "features"))] == [
        targets.FOLDER
    ]


def test_a_ref_the_traceability_lacks_is_named_with_the_patch(project):
    with pytest.raises(LabError, match=r"typo.patch: refs: no documented step '手順 9' in the traceability of doc"):
        targets.plan(project / "features", mutant_in(project, "typo", "手順 1; 手順 9"))


def test_every_targeted_phase_of_the_mutants_selects_exactly_its_scenarios():
    for mutant in catalog.all_mutants():
        phase = targets.plan(FEATURES, mutant)[0]
        if phase.name == targets.TARGETED:
            every = [s for folder in mutant.features for s in targets.scenarios(FEATURES, folder)]
            assert selected(phase.keyword, every) == list(phase.scenarios), mutant.name


# --- what killed it -----------------------------------------------------------------------


def test_a_kill_by_a_check_of_its_refs_is_within_them_any_other_is_elsewhere(project):
    features = project / "features"
    mutant = mutant_in(project, "m", "手順 2; 手順 3")
    assert targets.within_refs(features, mutant, "待ち受ける", "ならば 待ち受けている")
    assert targets.within_refs(features, mutant, "DB を止める", "ならば DB が停止している")  # an outline, as run
    assert not targets.within_refs(features, mutant, "待ち受ける", "かつ ログがある")  # not a step 手順 2 picks
    assert not targets.within_refs(features, mutant, "待ち受ける", "もし 設定する")  # an action, not a check
    assert not targets.within_refs(features, mutant, "構築する 2", "ならば 起動している")  # a set-up scenario


def test_the_first_failed_step_and_its_cause_come_from_cucumber_json(tmp_path):
    report = tmp_path / "cucumber.json"
    report.write_text(
        json.dumps(
            [
                {
                    "elements": [
                        {
                            "name": "(3) install",
                            "steps": [{"keyword": "もし", "name": "install", "result": {"status": "passed"}}],
                        },
                        {
                            "name": "(4)(5) 環境設定",
                            "steps": [
                                {
                                    "keyword": "ならば",
                                    "name": "運用系の CL/Web が 443 番ポートだけで待ち受け",
                                    "result": {
                                        "status": "failed",
                                        "error_message": "失敗したステップ: 「ならば …」 — 原因: clweb_serv on node1 listens on more than 192.168.10.13:443\n\ntrace",
                                    },
                                },
                                {"keyword": "かつ", "name": "later", "result": {"status": "skipped"}},
                            ],
                        },
                    ]
                }
            ]
        ),
        encoding="utf-8",
    )
    assert runner.first_failure(report) == (
        "(4)(5) 環境設定",
        "ならば 運用系の CL/Web が 443 番ポートだけで待ち受け",
        "clweb_serv on node1 listens on more than 192.168.10.13:443",
    )


def test_no_cucumber_json_means_no_failure_found(tmp_path):
    assert runner.first_failure(tmp_path / "missing.json") is None


def test_a_failure_of_oat_s_own_code_kills_no_mutant():
    assert runner.HARNESS_ERRORS.match("TypeError: Server.__init__() got an unexpected keyword argument 'x'")
    assert not runner.HARNESS_ERRORS.match("clweb_serv on node1 listens on more than 192.168.10.13:443")


def test_a_check_with_nothing_at_stake_kills_nothing():
    assert runner.HARNESS_ERRORS.match(
        "nothing at stake: 0 saves acknowledged to the append client, so the check "
        "would check nothing (an error of the test, not a pass)"
    )


FAKE_PYTEST = """\
import json, sys
from pathlib import Path
args = sys.argv[1:]
with open("calls.log", "a") as log:
    log.write(" ".join(args) + "\\n")
phase = "targeted" if "-k" in args else "folder"
failing = {FAILING!r}.get(phase)
steps = [{{"keyword": "ならば", "name": failing[1], "result": {{"status": "failed", "error_message": "原因: seen"}}}}
         ] if failing else [{{"keyword": "ならば", "name": "ok", "result": {{"status": "passed"}}}}]
report = next(a.split("=", 1)[1] for a in args if a.startswith("--cucumberjson="))
Path(report).parent.mkdir(exist_ok=True)
Path(report).write_text(json.dumps([{{"elements": [{{"name": failing[0] if failing else "s", "steps": steps}}]}}]))
sys.exit(1 if failing else 0)
"""


def run_phases(project: Path, mutant: catalog.Mutant, failing: dict) -> tuple[Outcome, list[str]]:
    """The mutant's phases run by a stand-in for pytest that fails the given phase's step."""
    fake = project / "fake_python"
    fake.write_text(f"#!{sys.executable}\n" + FAKE_PYTEST.format(FAILING=failing), encoding="utf-8")
    fake.chmod(0o755)
    outcome = Outcome(mutant.name, mutant.kind, mutant.defect, results.ERROR)
    runner._run_phases(mutant, project, outcome, str(fake), say=lambda line: None)
    return outcome, (project / "calls.log").read_text(encoding="utf-8").splitlines()


def test_a_kill_in_the_targeted_phase_stops_there(project):
    outcome, calls = run_phases(
        project, mutant_in(project, "m", "手順 2"), {"targeted": ("待ち受ける", "待ち受けている")}
    )
    assert (outcome.verdict, outcome.phase, outcome.elsewhere) == ("killed", "targeted", False)
    assert len(calls) == 1 and "-k" in calls[0] and "-x" in calls[0]


def test_the_whole_folder_runs_when_the_targeted_phase_passes_and_a_kill_there_is_flagged(project):
    outcome, calls = run_phases(project, mutant_in(project, "m", "手順 2"), {"folder": ("最後", "片付いている")})
    assert (outcome.verdict, outcome.phase, outcome.elsewhere) == ("killed", "folder", True)
    assert outcome.step == "ならば 片付いている" and outcome.cause == "seen"
    assert len(calls) == 2 and "-k" not in calls[1] and calls[1].startswith("-m pytest features/doc ")


def test_a_mutant_that_passes_both_phases_survives(project):
    outcome, calls = run_phases(project, mutant_in(project, "m", "手順 2"), {})
    assert (outcome.verdict, outcome.phase, len(calls)) == ("survived", "folder", 2)


# --- resume -------------------------------------------------------------------------------


def test_a_stopped_run_goes_on_where_it_left_off_at_the_same_commit_and_patch(project):
    result = project / "lab" / "mutants" / "result.json"
    mutants = [mutant_in(project, name, "手順 2") for name in ("a", "b", "c")]
    ran = []

    def one(mutant, commit, stop_at="b"):
        if mutant.name == stop_at:
            raise KeyboardInterrupt
        ran.append(mutant.name)
        verdict = "error" if mutant.name == "c" else "killed"
        return Outcome(mutant.name, "k", "d", verdict, commit=commit, version=commit[:7], patch=mutant.digest)

    with pytest.raises(KeyboardInterrupt):
        command.run(mutants, "c1" * 20, path=result, one=one, say=lambda line: None)
    assert ran == ["a"] and set(results.saved(result)) == {"a"}  # kept as soon as decided

    ran.clear()
    command.run(mutants, "c1" * 20, path=result, one=lambda m, c: one(m, c, stop_at=""), say=lambda line: None)
    assert ran == ["b", "c"]
    ran.clear()
    said = []
    assert command.run(mutants, "c1" * 20, path=result, one=lambda m, c: one(m, c, stop_at=""), say=said.append) == 1
    assert ran == ["c"]  # an error decides nothing
    assert "killed    a: already decided at c1c1c1c" in said[0] and "run time" in said[-2]

    mutants[1].patch.write_text(mutants[1].patch.read_text(encoding="utf-8") + "+changed\n", encoding="utf-8")
    ran.clear()
    command.run(mutants, "c1" * 20, path=result, one=lambda m, c: one(m, c, stop_at=""), say=lambda line: None)
    assert ran == ["b", "c"]  # its patch changed
    ran.clear()
    command.run(mutants, "c2" * 20, path=result, one=lambda m, c: one(m, c, stop_at=""), say=lambda line: None)
    assert ran == ["a", "b", "c"]  # another commit
    ran.clear()
    command.run(
        mutants[:1], "c2" * 20, again=True, path=result, one=lambda m, c: one(m, c, stop_at=""), say=lambda line: None
    )
    assert ran == ["a"]


def test_a_run_keeps_the_outcomes_another_run_saved_of_mutants_added_after_it_began(project):
    # Two runs at once (one per product), and new patches written meanwhile: the first run's
    # next save must not drop what the second saved of a mutant the first never knew.
    result = project / "lab" / "mutants" / "result.json"
    first = [mutant_in(project, name, "手順 2") for name in ("a", "b")]

    def one(mutant, commit):
        if mutant.name == "b":  # while the first run works on b, a mutant is added and run elsewhere
            added = mutant_in(project, "new", "手順 2")
            results.record(Outcome(added.name, "k", "d", "killed", commit=commit, patch=added.digest), result)
        return Outcome(mutant.name, "k", "d", "killed", commit=commit, patch=mutant.digest)

    command.run(first, "c1" * 20, path=result, one=one, say=lambda line: None)
    assert set(results.saved(result)) == {"a", "b", "new"}


def test_recording_one_outcome_replaces_its_own_and_drops_deleted_mutants(tmp_path):
    path = tmp_path / "result.json"
    for name, verdict in (("a", "error"), ("b", "killed"), ("gone", "killed")):
        results.record(Outcome(name, "k", "d", verdict, seconds=10.0, version="v1"), path)
    saved = results.record(Outcome("a", "k", "d", "killed", step="t", seconds=5.0, version="v2"), path, keep={"a", "b"})
    assert (saved["total"], saved["killed"], saved["seconds"], saved["version"]) == (2, 2, 15.0, "v2, v1")
    assert results.saved(path)["a"].step == "t"


def test_an_outcome_saved_before_the_new_fields_still_reads(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(
        '{"outcomes": [{"name": "a", "kind": "k", "defect": "d", "verdict": "killed", "old": 1}]}', encoding="utf-8"
    )
    assert results.saved(path)["a"] == Outcome("a", "k", "d", "killed")


# --- the table ----------------------------------------------------------------------------


def test_the_table_lists_each_documented_step_with_its_checks_mutants_and_what_caught_them(project):
    for name, refs in (("no-listen", "手順 2"), ("stops-late", "手順 3"), ("unused", "手順 1")):
        mutant = mutant_in(project, name, refs)
        if name != "unused":
            results.record(
                Outcome(
                    name,
                    "k",
                    "d",
                    "killed",
                    # where it was caught is judged by the traceability as it is now
                    scenario="待ち受ける" if name == "no-listen" else "s",
                    step="ならば 待ち受けている" if name == "no-listen" else "ならば x",
                    cause="seen",
                    phase="targeted" if name == "no-listen" else "folder",
                    elsewhere=False,
                    patch=mutant.digest,
                ),
                project / "lab" / "mutants" / "result.json",
            )
    rows = coverage.coverage(project)
    assert [(r.ref, r.checks, [(o.name, o.verdict) for o in r.mutants], r.covered) for r in rows] == [
        ("手順 1", ["起動している"], [("unused", coverage.NOT_RUN)], False),
        ("手順 2", ["待ち受けている"], [("no-listen", "killed")], True),
        ("手順 3", ["<部品> が停止している"], [("stops-late", "killed")], True),
        ("手順 4", ["起動している"], [], True),  # states no post-condition, and says why
        ("手順 5", [], [], False),  # neither a post-condition nor a reason: a gap
        ("手順 6", [], [], True),
    ]
    text = coverage.coverage_text(rows)
    assert "○ doc 手順 4: 事後条件を述べない手順: 読むだけ" in text and "○ doc 手順 6: 実施不可: Linux だけ" in text
    assert f"× doc 手順 5: {coverage.GAP}" in text
    assert "変異: no-listen: 検出 (対象シナリオ) — 「待ち受ける」 / 「ならば 待ち受けている」: seen" in text
    assert "変異: stops-late: 検出・範囲外 (フォルダ全体)" in text and "変異: unused: 未実行" in text
    assert (
        "事後条件を述べる手順 3 件のうち、検出された変異があるもの 2 件 (範囲外での検出だけのもの 1 件); "
        "述べない手順 2 件; 期待結果も理由もない手順 1 件"
    ) in text
    markdown = coverage.coverage_markdown(rows).splitlines()
    assert markdown[:3] == ["### doc", "", "| | 手順 | 事後条件 | 確認 | 変異と結果 |"]
    assert (
        "| ○ | 手順 2 | 待ち受けること | 待ち受けている | no-listen: **検出 (対象シナリオ)** — 「待ち受ける」 / 「ならば 待ち受けている」: seen |"
        in markdown
    )


def test_an_outcome_of_a_patch_since_changed_shows_as_not_run(project):
    mutant = mutant_in(project, "m", "手順 2")
    results.record(
        Outcome("m", "k", "d", "killed", patch="an-older-patch"), project / "lab" / "mutants" / "result.json"
    )
    assert [o.verdict for o in coverage.coverage(project)[1].mutants] == [coverage.NOT_RUN]
    assert mutant.digest != "an-older-patch"


def test_the_report_gets_the_table_of_the_folders_it_ran(project):
    mutant = mutant_in(project, "m", "手順 2")
    results.record(Outcome("m", "k", "d", "survived", patch=mutant.digest), project / "lab" / "mutants" / "result.json")
    assert coverage.for_report(project, ["other"]) is None
    found = coverage.for_report(project, ["doc"])
    assert (found["total"], found["killed"]) == (1, 0)
    assert [row["ref"] for row in found["table"]] == ["手順 1", "手順 2", "手順 3", "手順 4", "手順 5", "手順 6"]
    assert found["table"][1]["mutants"] == [{"name": "m", "result": "見逃し", "by": ""}]


# --- the command --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "which mutants"),
        (["--format", "markdown"], "--format goes with --table"),
        (["a", "--all"], "not both"),
        (["--all", "--sample"], "not allowed with"),
    ],
)
def test_the_command_refuses_an_unclear_choice(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        command.main(argv)
    assert exited.value.code == 2 and message in capsys.readouterr().err


def test_an_unknown_commit_is_named():
    with pytest.raises(LabError, match="no commit 'no-such-rev' in"):
        runner.commit_of("no-such-rev")


def test_the_report_s_detection_section_shows_the_same_table(project):
    mutant = mutant_in(project, "no-listen", "手順 2")
    results.record(
        Outcome(
            "no-listen",
            "k",
            "d",
            "killed",
            scenario="待ち受ける",
            step="ならば 待ち受けている",
            cause="<seen>",
            phase="targeted",
            patch=mutant.digest,
        ),
        project / "lab" / "mutants" / "result.json",
    )
    html = render_mutants(coverage.for_report(project, ["doc"]))
    assert "<b>検出力: 1 件中 1 件検出</b>" in html and '<table class="oat-lab oat-mutants">' in html
    assert (
        "<td>doc 手順 2</td><td>待ち受けること</td><td>待ち受けている</td><td>no-listen: <b>検出 (対象シナリオ)</b>"
        " — 「待ち受ける」 / 「ならば 待ち受けている」: &lt;seen&gt;</td>"
    ) in html
    assert f"<td>doc 手順 5</td><td>{coverage.GAP}</td>" in html and "事後条件を述べる手順 3 件" in html


def test_a_document_that_is_not_mutated_says_why_and_is_not_counted_as_missing(project):
    trace = project / "features" / "doc" / "traceability.yaml"
    trace.write_text(TRACE.replace("title: t\n", "title: t\nno_mutants: 手順書の例\n"), encoding="utf-8")
    rows = coverage.coverage(project)
    assert [r.mark for r in rows] == ["−", "−", "−", "○", "×", "○"]
    text = coverage.coverage_text(rows)
    assert "− doc 手順 1: 起動していること" in text and "変異: 対象外 (手順書の例)" in text
    assert "事後条件を述べる手順 0 件" in text and "変異の対象外の手順 3 件 (doc: 手順書の例)" in text


def test_jobs_run_that_many_mutants_at_once_and_save_each(project):
    result = project / "lab" / "mutants" / "result.json"
    mutants = [mutant_in(project, name, "手順 2") for name in ("a", "b", "c")]
    both_started = threading.Barrier(2, timeout=10)  # a and b can only pass it together
    at_once = []

    def one(mutant, commit):
        if mutant.name in ("a", "b"):
            both_started.wait()
        at_once.append(mutant.name)
        return Outcome(mutant.name, "k", "d", "killed", commit=commit, version=commit[:7], patch=mutant.digest)

    assert command.run(mutants, "c1" * 20, path=result, one=one, say=lambda line: None, jobs=2) == 0
    assert sorted(at_once[:2]) == ["a", "b"] and at_once[2] == "c"
    assert set(results.saved(result)) == {"a", "b", "c"}


def test_an_interrupted_check_lets_each_run_remove_its_labs_first(tmp_path):
    """stop_all asks each pytest run going on to stop (SIGTERM: the plugin then removes its labs)
    and waits for it, instead of killing it outright."""
    child = tmp_path / "child.py"
    child.write_text(
        "import signal, sys, time, pathlib\n"
        "def stop(*_):\n"
        "    time.sleep(0.3)  # removing its labs\n"
        "    pathlib.Path('cleaned').write_text('yes')\n"
        "    sys.exit(2)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "pathlib.Path('started').write_text('yes')\n"
        "print('running', flush=True)\n"
        "time.sleep(60)\n"
    )
    done = {}
    worker = threading.Thread(target=lambda: done.update(result=runner._pytest([sys.executable, str(child)], tmp_path)))
    worker.start()
    deadline = time.monotonic() + 10
    while not (tmp_path / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    runner.stop_all()
    worker.join(timeout=10)
    assert (tmp_path / "cleaned").read_text() == "yes"
    assert done["result"].returncode == 2 and done["result"].stdout == "running\n"
