"""Jobnet definitions: parsed and checked before any is stored; errors name file and key."""

from __future__ import annotations

import pytest

from tengine_core import jobnets
from tengine_core.config import Scm, Tengined
from tengine_core.jobnets import DefinitionError
from tengine_fakes import JN_HELLO


def checkout_with(tmp_path, files: dict[str, str]):
    root = tmp_path / "checkout"
    for name, text in files.items():
        (root / "jobnets").mkdir(parents=True, exist_ok=True)
        (root / "jobnets" / name).write_text(text, encoding="utf-8")
    return root


def test_a_definition_is_read_whole(tmp_path):
    [jobnet] = jobnets.read_all(checkout_with(tmp_path, {"jn_hello.yml": JN_HELLO}))
    assert (jobnet.name, jobnet.caption, jobnet.source) == ("jn_hello", "テストジョブネット", "jobnets/jn_hello.yml")
    assert jobnet.definition["jobs"] == [
        {"name": "j1", "server": "job1", "script": "/home/tengine/hello.sh", "depends_on": []}
    ]


def test_only_yml_files_in_the_jobnets_folder_count(tmp_path):
    root = checkout_with(tmp_path, {"jn_hello.yml": JN_HELLO, "README.md": "# notes"})
    (root / "other.yml").write_text("not: a jobnet")
    assert [j.name for j in jobnets.read_all(root)] == ["jn_hello"]
    assert jobnets.read_all(tmp_path / "empty") == []


JOB = "  - {name: j1, server: s1, script: /bin/true}\n"


@pytest.mark.parametrize(
    "text, problem",
    [
        ("caption: c\njobs:\n" + JOB, "missing key jobnet"),
        ("jobnet: jn\njobs:\n" + JOB, "missing key caption"),
        ("jobnet: jn\ncaption: c\n", "missing key jobs"),
        ("jobnet: jn\ncaption: c\njobs: j1\n", "jobs: expected a list of jobs, got 'j1'"),
        ("jobnet: jn\ncaption: c\njobs:\n  - {name: j1, server: s1}\n", "missing key jobs[0].script"),
        ("jobnet: jn\ncaption: c\njobs:\n" + JOB + JOB, "jobs[1].name: 'j1' is used by another job already"),
        (
            "jobnet: jn\ncaption: c\njobs:\n  - {name: j1, server: s1, script: x, depends_on: [j9]}\n",
            "jobs[0].depends_on: unknown job 'j9'",
        ),
        (
            "jobnet: jn\ncaption: c\njobs:\n  - {name: j1, server: s, script: x, depends_on: [j2]}\n"
            "  - {name: j2, server: s, script: x, depends_on: [j1]}\n",
            "jobs: depends_on makes a cycle: j1 -> j2 -> j1",
        ),
        ("jobnet: jn\ncaption: [c\n", "not valid YAML (line 3, column 1:"),
    ],
    ids=["jobnet", "caption", "jobs", "jobs-type", "script", "twice", "unknown", "cycle", "yaml"],
)
def test_a_bad_definition_names_the_file_and_the_key(tmp_path, text, problem):
    root = checkout_with(tmp_path, {"jn_bad.yml": text})
    with pytest.raises(DefinitionError) as raised:
        jobnets.read_all(root)
    assert str(raised.value).startswith(f"{root}/jobnets/jn_bad.yml: {problem}")


def test_a_jobnet_defined_twice(tmp_path):
    root = checkout_with(tmp_path, {"a.yml": JN_HELLO, "b.yml": JN_HELLO})
    with pytest.raises(DefinitionError, match="b.yml: jobnet: 'jn_hello' is defined in jobnets/a.yml already"):
        jobnets.read_all(root)


def test_load_checks_out_the_scm_and_reads_it(tmp_path, repository):
    revision = repository.push({"jobnets/jn_hello.yml": JN_HELLO})
    tengined = Tengined(load_path=str(tmp_path / "load"), scm=Scm(url=repository.url))
    definitions = jobnets.load(tengined)
    assert definitions.revision == revision
    assert [j.name for j in definitions.jobnets] == ["jn_hello"]
    assert definitions.summary() == f"loaded 1 jobnets from {repository.url} at {revision}"
